import { useState } from 'preact/hooks';
import { signIn } from './api';
import type { Session } from './api-types';
import { useWords } from './words';

/** Trades an API key for a session cookie; the key is posted, never put in a URL, and then forgotten. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const { t } = useWords();
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    signIn({ apiKey: apiKey.trim() })
      .then(onSignedIn, (error: Error) => setFailure(error.message))
      .finally(() => {
        setBusy(false);
        setApiKey('');
      });
  };
  return (
    <section aria-labelledby="sign-in-title" class="sign-in">
      <h2 id="sign-in-title">{t('signInTitle')}</h2>
      <p>{t('signInHelp')}</p>
      <form onSubmit={submit}>
        <label for="api-key">{t('apiKey')}</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          required
          value={apiKey}
          onInput={(event) => setApiKey((event.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
      {failure && <p role="alert">{t('error', { message: failure })}</p>}
    </section>
  );
}
