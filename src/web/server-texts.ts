import type { Notification, TaskView } from './api-types';
import type { Language, Words } from './i18n';

/**
 * The server writes its notifications and failure reasons in English. In another language the page words
 * them again from the figures and codes the API sends beside them; whatever it has no words for (a code
 * or kind added later) is shown as the server wrote it.
 */

type Figures = Required<Omit<NonNullable<Notification['outcome']>, 'status' | 'errorCode'>>;
type Params = Record<string, string | number>;

interface ServerWords {
  /** By error code; mirrors the server's own reasons (src/workflows/failure-reason.ts). */
  reasons: Record<string, string>;
  /** Any other code of a failed task: the server reads those as an internal fault too. */
  internalFault: string;
  kinds: Record<string, string>;
  /** By `${kind}_${status}`, then by status alone for any kind. */
  notices: Record<string, string>;
}

const fr: ServerWords = {
  reasons: {
    NewsletterNotFound: 'la newsletter n’existe pas (ou plus)',
    ExportFileMissing: 'le fichier d’export a été supprimé pendant son écriture',
    InvalidRecipient: 'votre adresse e-mail ne peut pas recevoir de courrier',
    ImportFileMissing: 'le fichier envoyé est introuvable ; veuillez l’envoyer à nouveau',
    ImportFileMalformed: 'le fichier n’est pas un CSV valide',
    ImportFileMalformedAt:
      'le fichier n’est pas un CSV valide à la ligne {line} ; les contacts des lignes précédentes ont été importés',
    SenderNotVerified: 'son expéditeur n’est plus un expéditeur vérifié de votre organisation',
    canceled: 'la tâche a été annulée',
    terminated: 'la tâche a été arrêtée par un opérateur',
    timed_out: 'la tâche a manqué de temps pour finir',
  },
  internalFault: 'une erreur interne l’a empêchée d’aboutir ; veuillez réessayer plus tard',
  kinds: { export: 'export', import: 'import de contacts', send: 'envoi' },
  notices: {
    export_COMPLETED: 'Votre export est prêt : {rows} lignes ({size}).',
    export_CANCELED: 'Votre export a été annulé.',
    export_FAILED: 'Votre export a échoué : {reason}.',
    import_COMPLETED: 'Votre import de contacts est terminé : {imported} importés, {invalid} lignes invalides.',
    import_CANCELED: 'Votre import de contacts a été annulé ; les contacts déjà importés sont conservés.',
    import_FAILED: 'Votre import de contacts a échoué : {reason}.',
    send_COMPLETED: 'Newsletter envoyée : {sent} envoyés, {failed} en échec, {skipped} ignorés.',
    send_CANCELED: 'Envoi annulé : {sent} envoyés, {cancelled} non envoyés.',
    send_FAILED: 'L’envoi a échoué : {reason}.',
    TERMINATED: 'Votre tâche ({kind}) a été arrêtée par un opérateur.',
    TIMED_OUT: 'Votre tâche ({kind}) a manqué de temps pour finir.',
  },
};

const WORDS: Partial<Record<Language, ServerWords>> = { fr };

const fill = (text: string, params: Params, words: Words) =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    return typeof value === 'number' ? words.number(value) : (value ?? '');
  });

/** A task's failure reason in the page's language. */
export function failureReasonText(error: NonNullable<TaskView['error']>, status: string, words: Words): string {
  const own = WORDS[words.language];
  if (!own) return error.message;
  if (error.code === 'ImportFileMalformed') {
    // The server's text names the broken line: the one figure worth keeping from it.
    const line = /\bat line (\d+)/.exec(error.message)?.[1];
    if (line) return fill(own.reasons.ImportFileMalformedAt!, { line: Number(line) }, words);
  }
  const known = own.reasons[error.code];
  if (known) return known;
  return status === 'FAILED' ? own.internalFault : error.message;
}

/** A notification in the page's language. */
export function notificationText(notification: Notification, words: Words): string {
  const own = WORDS[words.language];
  const outcome = notification.outcome;
  if (!own || !outcome) return notification.message;
  const notice = own.notices[`${notification.kind}_${outcome.status}`] ?? own.notices[outcome.status];
  const kind = own.kinds[notification.kind];
  if (!notice || !kind) return notification.message;
  const figures: Partial<Figures> = outcome;
  const needed = [...notice.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const params: Params = { kind };
  for (const name of needed) {
    if (name === 'kind') continue;
    if (name === 'size' && outcome.bytes !== undefined) params.size = words.size(outcome.bytes);
    else if (name === 'reason')
      params.reason = outcome.errorCode
        ? failureReasonText({ code: outcome.errorCode, message: '' }, outcome.status, words)
        : own.internalFault;
    else if (name in figures) params[name] = figures[name as keyof Figures]!;
    // A figure the server did not send: the English text says it all.
    else return notification.message;
  }
  return fill(notice, params, words);
}
