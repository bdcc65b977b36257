export { exportNewsletterStats } from './export-newsletter-stats';
export { purgeExpiredExports } from './purge-expired-exports';
export { dailyDigest } from './daily-digest';
export { importContacts } from './import-contacts';
export { sendNewsletter } from './send-newsletter';
