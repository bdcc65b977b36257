import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { translator, type Words } from './i18n';

/** The words of the language in force, for every component below the app. */
export const WordsContext = createContext<Words>(translator('en'));
export const useWords = (): Words => useContext(WordsContext);
