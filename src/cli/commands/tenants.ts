import ms from 'ms';
import { migrateToLatest } from '../../db/migrate';
import { LimitService, type TenantUsage } from '../../services/limits';
import { loadSettings, type TenantLimits } from '../../settings';
import { findTenant } from '../../db/queries/tenants';
import { addTenantSender, listTenantSenders, removeTenantSender } from '../../db/queries/tenant-senders';
import { parseSenderSpec } from '../../mail/sender-address';
import { UsageError } from '../action';
import { assertSlug, withDatabase } from './admin';

/** The options of `tenants set-limits`, each a limit; `default` puts it back to the setting's value. */
export const LIMIT_OPTIONS: Array<{ flag: string; limit: keyof TenantLimits; describe: string }> = [
  { flag: 'weight', limit: 'fairnessWeight', describe: 'fairness weight (share of dispatch and email rate)' },
  { flag: 'exports', limit: 'exports', describe: 'exports running or queued at once' },
  { flag: 'sends', limit: 'sends', describe: 'sends running or queued at once' },
  { flag: 'imports', limit: 'imports', describe: 'imports running or queued at once' },
  { flag: 'schedules', limit: 'schedules', describe: 'schedules' },
  { flag: 'min-schedule-interval', limit: 'minScheduleIntervalMs', describe: 'shortest schedule interval (15m, 1h)' },
  { flag: 'export-bytes', limit: 'exportBytes', describe: 'bytes of export files kept' },
  { flag: 'event-streams', limit: 'eventStreams', describe: 'live progress streams per user' },
];

/** `--exports 20` → 20, `--min-schedule-interval 1h` → 3600000, `default` → null (the setting's value). */
function parseLimit(flag: string, text: string): number | null {
  if (text === 'default') return null;
  const value = flag === 'min-schedule-interval' ? ms(text as ms.StringValue) : Number(text);
  const whole = flag !== 'weight';
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value))) {
    throw new UsageError(`--${flag}: expected ${whole ? 'a whole number' : 'a number'} or "default", got "${text}"`);
  }
  if (flag === 'weight' && (value < 0.001 || value > 1000)) throw new UsageError('--weight: between 0.001 and 1000');
  return value;
}

function describeLimits(slug: string, limits: TenantLimits, usage?: TenantUsage, senders?: string[]): string {
  const used = (name: keyof TenantUsage) => (usage ? ` (in use: ${usage[name]})` : '');
  return [
    `tenant ${slug}`,
    `  fairness weight        ${limits.fairnessWeight}`,
    `  exports at once        ${limits.exports}${used('exports')}`,
    `  sends at once          ${limits.sends}${used('sends')}`,
    `  imports at once        ${limits.imports}${used('imports')}`,
    `  schedules              ${limits.schedules}${used('schedules')}`,
    `  min schedule interval  ${ms(limits.minScheduleIntervalMs, { long: true })}`,
    `  export bytes kept      ${limits.exportBytes}${used('exportBytes')}`,
    `  event streams per user ${limits.eventStreams}`,
    ...(senders ? [`  senders                ${describeSenders(senders)}`] : []),
  ].join('\n');
}

/** `mailroom tenants set-limits <slug> --exports 20 …`: idempotent; prints the limits now in force. */
export const setLimits = (slug: string, options: Record<string, string | undefined>) =>
  withDatabase(async (database) => {
    assertSlug(slug);
    const overrides: Partial<Record<keyof TenantLimits, number | null>> = {};
    for (const { flag, limit } of LIMIT_OPTIONS) {
      const text = options[camel(flag)];
      if (text !== undefined) overrides[limit] = parseLimit(flag, text);
    }
    if (Object.keys(overrides).length === 0) {
      throw new UsageError(`give at least one limit: ${LIMIT_OPTIONS.map((o) => `--${o.flag}`).join(', ')}`);
    }
    await migrateToLatest(database);
    await requireTenant(database.db, slug);
    const limits = await new LimitService(database.db, loadSettings().limits).set(slug, overrides);
    console.log(describeLimits(slug, limits));
  });

/** `mailroom tenants show <slug>`: the limits in force and what the tenant uses of them. */
export const showTenant = (slug: string) =>
  withDatabase(async (database) => {
    assertSlug(slug);
    await migrateToLatest(database);
    await requireTenant(database.db, slug);
    const service = new LimitService(database.db, loadSettings().limits);
    const senders = await listTenantSenders(database.db, slug);
    console.log(describeLimits(slug, await service.of(slug), await service.usage(slug), senders));
  });

const describeSenders = (senders: string[]) =>
  senders.length > 0 ? senders.join(' ') : '(none: its newsletters can only go out from MAIL_FROM)';

/** An address or `@domain` from the command line, normalised (the domain lowercased); a usage error otherwise. */
function senderArgument(text: string): string {
  const sender = parseSenderSpec(text);
  if (!sender) throw new UsageError(`expected an address or @domain (news@example.com, @example.com), got "${text}"`);
  return sender;
}

/**
 * `mailroom tenants add-sender <slug> <address or @domain>`: lets the tenant's newsletters go out from that
 * address, or from any address at that domain (not its subdomains). Idempotent; prints the senders.
 */
export const addSender = (slug: string, text: string) =>
  withDatabase(async (database) => {
    assertSlug(slug);
    const sender = senderArgument(text);
    await migrateToLatest(database);
    await requireTenant(database.db, slug);
    const outcome = await addTenantSender(database.db, slug, sender);
    console.log(outcome === 'added' ? `added sender ${sender}` : `sender ${sender} already verified; nothing changed`);
    console.log(`senders of ${slug}: ${describeSenders(await listTenantSenders(database.db, slug))}`);
  });

/** `mailroom tenants remove-sender <slug> <address or @domain>`: drafts naming it can no longer be sent. */
export const removeSender = (slug: string, text: string) =>
  withDatabase(async (database) => {
    assertSlug(slug);
    const sender = senderArgument(text);
    await migrateToLatest(database);
    await requireTenant(database.db, slug);
    const removed = await removeTenantSender(database.db, slug, sender);
    console.log(removed ? `removed sender ${sender}` : `${sender} was not a sender of ${slug}; nothing changed`);
    console.log(`senders of ${slug}: ${describeSenders(await listTenantSenders(database.db, slug))}`);
  });

async function requireTenant(db: Parameters<typeof findTenant>[0], slug: string): Promise<void> {
  if (!(await findTenant(db, slug)))
    throw new UsageError(`no tenant ${slug}; create it with: mailroom tenants create ${slug}`);
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
