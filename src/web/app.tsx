import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, currentSession, rememberSession, signIn, signOut } from './api';
import type { Session } from './api-types';
import { useAnnouncement } from './announcements';
import { useDashboard } from './dashboard';
import { initialLanguage, LANGUAGES, storeLanguage, translator, type Language } from './i18n';
import { ImportContacts } from './import-contacts';
import { useLiveProgress } from './live-progress';
import { NotificationList, Toasts } from './notifications';
import { Schedules } from './schedules';
import { SignIn } from './sign-in';
import { StartExport } from './start-export';
import { TaskList } from './tasks';
import { WordsContext, useWords } from './words';

/** A sign-in link carries its one-time token in the fragment, which the page spends then erases. */
function loginTokenInUrl(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get('login') ?? undefined;
  if (token) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const words = useMemo(() => translator(language), [language]);
  // undefined: still asking; null: signed out.
  const [session, setSession] = useState<Session | null>();
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `mailroom — ${words.t('title')}`;
  }, [language, words]);

  useEffect(() => {
    const token = loginTokenInUrl();
    const asking = token ? signIn({ loginToken: token }) : currentSession();
    asking.then(
      (found) => {
        rememberSession(found);
        setSession(found);
      },
      (error: Error) => {
        setSession(null);
        if (!(error instanceof ApiError && error.status === 401 && !token)) setFailure(error.message);
      },
    );
  }, []);

  const chooseLanguage = (next: Language) => {
    storeLanguage(next);
    setLanguage(next);
  };
  const leave = () => {
    signOut().then(
      () => setSession(null),
      (error: Error) => setFailure(error.message),
    );
  };

  return (
    <WordsContext.Provider value={words}>
      <header class="top">
        <h1>{words.t('title')}</h1>
        <div class="top-controls">
          <label for="language">{words.t('language')}</label>
          <select
            id="language"
            value={language}
            onChange={(event) => chooseLanguage((event.target as HTMLSelectElement).value as Language)}
          >
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code} lang={code}>
                {name}
              </option>
            ))}
          </select>
          {session && (
            <>
              <span class="muted">{words.t('signedInAs', { email: session.email })}</span>
              <button type="button" onClick={leave}>
                {words.t('signOut')}
              </button>
            </>
          )}
        </div>
      </header>
      <main>
        {failure && <p role="alert">{words.t('error', { message: failure })}</p>}
        {session === null && (
          <SignIn
            onSignedIn={(found) => {
              setFailure(undefined);
              rememberSession(found);
              setSession(found);
            }}
          />
        )}
        {session && <SignedInPage key={session.email} />}
      </main>
    </WordsContext.Provider>
  );
}

function SignedInPage() {
  const dashboard = useDashboard();
  const live = useLiveProgress(dashboard.tasks, dashboard.refresh);
  const announcement = useAnnouncement(dashboard.tasks, live);
  const { t } = useWords();
  return (
    <>
      <div class="visually-hidden" role="status" aria-live="polite" id="announcer">
        {announcement}
      </div>
      <Toasts toasts={dashboard.fresh} onDismiss={dashboard.dismiss} />
      {dashboard.failure && <p role="alert">{t('error', { message: dashboard.failure })}</p>}
      <div class="columns">
        <div>
          <StartExport onStarted={dashboard.refresh} />
          <ImportContacts onStarted={dashboard.refresh} />
          <TaskList tasks={dashboard.tasks} live={live} onChange={dashboard.refresh} />
        </div>
        <div>
          <NotificationList notifications={dashboard.notifications} onChange={dashboard.refresh} />
          <Schedules schedules={dashboard.schedules} onChange={dashboard.refresh} />
        </div>
      </div>
    </>
  );
}
