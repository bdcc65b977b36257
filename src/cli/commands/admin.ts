import { Presets, SingleBar } from 'cli-progress';
import { connectDatabase } from '../../db/connect';
import { migrateToLatest } from '../../db/migrate';
import { ensureTenant } from '../../db/queries/tenants';
import { issueApiKey } from '../../db/queries/users';
import type { Database } from '../../db/schema';
import { seedDemoTenant } from '../../db/seed';
import { loadSettings } from '../../settings';
import { UsageError } from '../action';

export async function withDatabase(fn: (database: Database) => Promise<void>): Promise<void> {
  const database = connectDatabase(loadSettings().databaseUrl);
  try {
    await fn(database);
  } finally {
    await database.close();
  }
}

export const migrate = () =>
  withDatabase(async (database) => {
    const applied = await migrateToLatest(database);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
  });

/** Seeds the demo tenant with a progress bar; deterministic for a given N. */
export async function seedWithProgress(database: Database, contacts: number): Promise<boolean> {
  const bar = new SingleBar(
    { format: 'seeding [{bar}] {percentage}% {value}/{total} rows', hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  const result = await seedDemoTenant(database, {
    contacts,
    onProgress: (done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
  });
  if (started) bar.stop();
  return result !== undefined;
}

export const seed = (options: { contacts: string }) =>
  withDatabase(async (database) => {
    const contacts = Number(options.contacts);
    if (!Number.isInteger(contacts) || contacts < 0) throw new UsageError('--contacts takes a whole number');
    await migrateToLatest(database);
    const seeded = await seedWithProgress(database, contacts);
    console.log(
      seeded
        ? `seeded the demo tenant with ${contacts} contacts`
        : 'the demo tenant already has newsletters; nothing seeded',
    );
  });

export const createTenant = (slug: string) =>
  withDatabase(async (database) => {
    assertSlug(slug);
    await migrateToLatest(database);
    const outcome = await ensureTenant(database.db, slug);
    console.log(outcome === 'created' ? `created tenant ${slug}` : `tenant ${slug} already exists; nothing changed`);
  });

export const createUser = (options: { tenant: string; email: string }) =>
  withDatabase(async (database) => {
    assertSlug(options.tenant);
    if (!/^[^\s@]+@[^\s@]+$/.test(options.email))
      throw new UsageError(`--email: not an email address: ${options.email}`);
    await migrateToLatest(database);
    await ensureTenant(database.db, options.tenant);
    const { apiKey } = await issueApiKey(database.db, options.tenant, options.email);
    // Only the key on stdout, so scripts can capture it.
    console.log(apiKey);
  });

export function assertSlug(slug: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug))
    throw new UsageError(`tenant slug must be lowercase letters, digits and dashes: ${slug}`);
}
