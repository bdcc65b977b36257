export { exportNewsletterStats } from './export-newsletter-stats';
