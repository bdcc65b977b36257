import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { connectDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDemoTenant } from '../../src/db/seed';
import type { Database, Dialect } from '../../src/db/schema';
import { withAdmin } from '../../test/support/databases';

export interface BenchDatabase {
  dialect: Dialect;
  /** DATABASE_URL for the processes under test. */
  url: string;
  database: Database;
  /** The seeded newsletter with one delivery per contact: the export under test. */
  newsletterId: number;
  /** The small newsletter (up to 1,000 deliveries): a warm-up export before the measured one. */
  smallNewsletterId: number;
  drop(): Promise<void>;
}

/**
 * A new database (a SQLite file in `dir`, or a fresh database on the PostgreSQL at `pgAdminUrl`),
 * migrated and seeded with the demo tenant at `rows` contacts, printing progress as it goes.
 */
export async function createSeededDatabase(
  dialect: Dialect,
  rows: number,
  dir: string,
  pgAdminUrl?: string,
): Promise<BenchDatabase> {
  let url: string;
  let dropDatabase = async () => {};
  if (dialect === 'sqlite') {
    const file = path.join(dir, `bench-${rows}.sqlite`);
    url = file;
    dropDatabase = async () => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    };
  } else {
    if (!pgAdminUrl) throw new Error('no PostgreSQL URL');
    const name = `mailroom_bench_${crypto.randomBytes(5).toString('hex')}`;
    await withAdmin(pgAdminUrl, (client) => client.query(`create database ${name}`));
    const target = new URL(pgAdminUrl);
    target.pathname = `/${name}`;
    url = target.toString();
    dropDatabase = () =>
      withAdmin(pgAdminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
  }
  const database = connectDatabase(url);
  try {
    await migrateToLatest(database);
    const started = performance.now();
    let nextReport = 0;
    const seeded = await seedDemoTenant(database, {
      contacts: rows,
      onProgress(done, total) {
        const share = done / total;
        if (share < nextReport && done < total) return;
        nextReport = share + 0.1;
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stderr.write(
          `  seeding ${dialect} ${rows.toLocaleString('en')}: ${Math.round(share * 100)}% (${done.toLocaleString('en')}/${total.toLocaleString('en')} rows, ${seconds} s)\n`,
        );
      },
    });
    if (!seeded) throw new Error('the new database was already seeded');
    // Both readers then see the same settled files: no WAL left for one of them to replay (SQLite),
    // planner statistics as autovacuum would have gathered them (PostgreSQL).
    if (dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
    else await sql`analyze`.execute(database.db);
    process.stderr.write(
      `  seeded ${dialect} ${rows.toLocaleString('en')} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return {
      dialect,
      url,
      database,
      newsletterId: seeded.newsletters.headline,
      smallNewsletterId: seeded.newsletters.small,
      async drop() {
        await database.close();
        await dropDatabase();
      },
    };
  } catch (error) {
    await database.close();
    await dropDatabase();
    throw error;
  }
}
