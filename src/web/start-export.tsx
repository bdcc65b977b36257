import { useEffect, useState } from 'preact/hooks';
import { call } from './api';
import type { NewsletterSummary, Page } from './api-types';
import { useWords } from './words';

/** Pick a newsletter, start the export of its statistics; the task then shows in the list. */
export function StartExport({ onStarted }: { onStarted: () => void }) {
  const { t } = useWords();
  const [newsletters, setNewsletters] = useState<NewsletterSummary[]>([]);
  const [chosen, setChosen] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    call<Page<NewsletterSummary>>('GET', '/v1/newsletters?limit=100').then(
      (page) => {
        setNewsletters(page.items);
        setChosen((current) => current || String(page.items[0]?.id ?? ''));
      },
      (error: Error) => setFailure(error.message),
    );
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    call('POST', '/v1/exports', { newsletterId: Number(chosen) })
      .then(onStarted, (error: Error) => setFailure(error.message))
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">{t('exportTitle')}</h2>
      {newsletters.length === 0 ? (
        <p>{t('noNewsletters')}</p>
      ) : (
        <form onSubmit={submit}>
          <label for="export-newsletter">{t('newsletter')}</label>
          <select
            id="export-newsletter"
            value={chosen}
            onChange={(event) => setChosen((event.target as HTMLSelectElement).value)}
          >
            {newsletters.map((newsletter) => (
              <option key={newsletter.id} value={String(newsletter.id)}>
                {newsletter.subject} — {t('recipients', { count: newsletter.recipients })}
              </option>
            ))}
          </select>
          <button type="submit" disabled={busy}>
            {t('startExport')}
          </button>
        </form>
      )}
      {failure && <p role="alert">{t('error', { message: failure })}</p>}
    </section>
  );
}
