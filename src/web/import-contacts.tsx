import { useState } from 'preact/hooks';
import { uploadCsv } from './api';
import { useWords } from './words';

/** Upload a contacts CSV with its progress; the import's result (invalid lines too) shows in its task. */
export function ImportContacts({ onStarted }: { onStarted: () => void }) {
  const { t } = useWords();
  const [file, setFile] = useState<File>();
  const [sent, setSent] = useState<{ done: number; total: number }>();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();

  const submit = (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setOutcome(undefined);
    setSent({ done: 0, total: file.size });
    uploadCsv(file, (done, total) => setSent({ done, total })).then(
      () => {
        setOutcome({ ok: true, text: t('uploaded') });
        onStarted();
      },
      (error: Error) => setOutcome({ ok: false, text: t('error', { message: error.message }) }),
    );
  };

  return (
    <section aria-labelledby="import-title">
      <h2 id="import-title">{t('importTitle')}</h2>
      <form onSubmit={submit}>
        <label for="import-file">{t('csvFile')}</label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(event) => setFile((event.target as HTMLInputElement).files?.[0])}
        />
        <button type="submit" disabled={!file}>
          {t('upload')}
        </button>
      </form>
      {sent && <progress max={sent.total || 1} value={sent.done} aria-label={t('uploadProgress')} />}
      {outcome && <p role={outcome.ok ? 'status' : 'alert'}>{outcome.text}</p>}
    </section>
  );
}
