/** The page's words in English and French; the browser's language picks one, the switch overrides it. */
const en = {
  title: 'Your tasks',
  language: 'Language',
  signedInAs: 'Signed in as {email}',
  signOut: 'Sign out',
  signInTitle: 'Sign in',
  signInHelp: 'Paste your API key, or open the sign-in link you were given.',
  apiKey: 'API key',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  exportTitle: 'Export newsletter statistics',
  newsletter: 'Newsletter',
  recipients: '{count} recipients',
  startExport: 'Start the export',
  noNewsletters: 'No newsletter yet.',
  importTitle: 'Import contacts',
  csvFile: 'CSV file (email, first name, last name)',
  upload: 'Upload',
  uploadProgress: 'Upload progress',
  uploaded: 'Uploaded: the import has started.',
  tasksTitle: 'Tasks',
  noTasks: 'No task yet.',
  kind_export: 'Export',
  kind_send: 'Send',
  kind_import: 'Contact import',
  status_RUNNING: 'Running',
  status_PAUSED: 'Paused',
  status_COMPLETED: 'Completed',
  status_FAILED: 'Failed',
  status_CANCELED: 'Cancelled',
  status_TERMINATED: 'Stopped by an operator',
  status_TIMED_OUT: 'Timed out',
  startedAt: 'Started {date}',
  progressOf: 'Progress of {task}',
  progressText: '{done} of {total}',
  reason: 'Reason: {message}',
  exportResult: '{rows} rows, {size}',
  download: 'Download',
  linkExpires: 'link valid until {date}',
  importResult: '{imported} imported ({created} new, {updated} updated), {invalid} invalid',
  invalidLines: 'Invalid lines',
  line: 'Line {line}: {reason}',
  sendResult: '{sent} sent, {failed} failed, {skipped} skipped',
  cancel: 'Cancel',
  pause: 'Pause',
  resume: 'Resume',
  notificationsTitle: 'Notifications',
  noNotifications: 'No unread notification.',
  markRead: 'Mark as read',
  dismiss: 'Dismiss',
  schedulesTitle: 'Schedules',
  noSchedules: 'No schedule.',
  scheduleExport: 'Export of newsletter #{id}',
  every: 'every {every}',
  nextRun: 'Next run {date}',
  schedule_ACTIVE: 'Active',
  schedule_PAUSED: 'Paused',
  schedule_MISSING: 'Missing',
  unpause: 'Resume',
  trigger: 'Run now',
  delete: 'Delete',
  announceStatus: '{task}: {status}',
  announceProgress: '{task}: {percent}%',
  error: 'Error: {message}',
};

type Messages = typeof en;
export type MessageKey = keyof Messages;

const fr: Messages = {
  title: 'Vos tâches',
  language: 'Langue',
  signedInAs: 'Connecté en tant que {email}',
  signOut: 'Se déconnecter',
  signInTitle: 'Connexion',
  signInHelp: 'Collez votre clé d’API, ou ouvrez le lien de connexion reçu.',
  apiKey: 'Clé d’API',
  signIn: 'Se connecter',
  signingIn: 'Connexion…',
  exportTitle: 'Exporter les statistiques d’une newsletter',
  newsletter: 'Newsletter',
  recipients: '{count} destinataires',
  startExport: 'Lancer l’export',
  noNewsletters: 'Aucune newsletter pour l’instant.',
  importTitle: 'Importer des contacts',
  csvFile: 'Fichier CSV (e-mail, prénom, nom)',
  upload: 'Envoyer',
  uploadProgress: 'Progression de l’envoi',
  uploaded: 'Fichier envoyé : l’import a commencé.',
  tasksTitle: 'Tâches',
  noTasks: 'Aucune tâche pour l’instant.',
  kind_export: 'Export',
  kind_send: 'Envoi',
  kind_import: 'Import de contacts',
  status_RUNNING: 'En cours',
  status_PAUSED: 'En pause',
  status_COMPLETED: 'Terminée',
  status_FAILED: 'Échec',
  status_CANCELED: 'Annulée',
  status_TERMINATED: 'Arrêtée par un opérateur',
  status_TIMED_OUT: 'Délai dépassé',
  startedAt: 'Lancée le {date}',
  progressOf: 'Progression de {task}',
  progressText: '{done} sur {total}',
  reason: 'Raison : {message}',
  exportResult: '{rows} lignes, {size}',
  download: 'Télécharger',
  linkExpires: 'lien valable jusqu’au {date}',
  importResult: '{imported} importés ({created} nouveaux, {updated} mis à jour), {invalid} invalides',
  invalidLines: 'Lignes invalides',
  line: 'Ligne {line} : {reason}',
  sendResult: '{sent} envoyés, {failed} en échec, {skipped} ignorés',
  cancel: 'Annuler',
  pause: 'Mettre en pause',
  resume: 'Reprendre',
  notificationsTitle: 'Notifications',
  noNotifications: 'Aucune notification non lue.',
  markRead: 'Marquer comme lue',
  dismiss: 'Fermer',
  schedulesTitle: 'Planifications',
  noSchedules: 'Aucune planification.',
  scheduleExport: 'Export de la newsletter n°{id}',
  every: 'toutes les {every}',
  nextRun: 'Prochaine exécution le {date}',
  schedule_ACTIVE: 'Active',
  schedule_PAUSED: 'En pause',
  schedule_MISSING: 'Introuvable',
  unpause: 'Reprendre',
  trigger: 'Lancer maintenant',
  delete: 'Supprimer',
  announceStatus: '{task} : {status}',
  announceProgress: '{task} : {percent} %',
  error: 'Erreur : {message}',
};

export const LANGUAGES = { en: 'English', fr: 'Français' } as const;
export type Language = keyof typeof LANGUAGES;
const MESSAGES: Record<Language, Messages> = { en, fr };
const SIZE_UNITS: Record<Language, string[]> = { en: ['B', 'kB', 'MB', 'GB'], fr: ['o', 'ko', 'Mo', 'Go'] };
const STORED = 'mailroom.language';

export function initialLanguage(): Language {
  const stored = localStorage.getItem(STORED);
  if (stored === 'en' || stored === 'fr') return stored;
  return navigator.languages.some((tag) => tag.toLowerCase().startsWith('fr')) ? 'fr' : 'en';
}

export const storeLanguage = (language: Language): void => localStorage.setItem(STORED, language);

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Words, numbers, sizes and dates for one language; dates in the browser's own time zone. */
export function translator(language: Language) {
  const numbers = new Intl.NumberFormat(language);
  const dates = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
  const t: Translate = (key, params = {}) =>
    MESSAGES[language][key].replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      return typeof value === 'number' ? numbers.format(value) : (value ?? '');
    });
  const size = (bytes: number): string => {
    const units = SIZE_UNITS[language];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return `${new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(value)} ${units[unit]}`;
  };
  return {
    language,
    t,
    date: (iso: string) => dates.format(new Date(iso)),
    number: (n: number) => numbers.format(n),
    size,
  };
}
export type Words = ReturnType<typeof translator>;
