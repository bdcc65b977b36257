import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Database } from './schema';
import { initialSchema } from './migrations/001-initial';
import { sendsSchema } from './migrations/002-sends';
import { schedulesSchema } from './migrations/003-schedules';
import { tenantLimitsSchema } from './migrations/004-tenant-limits';
import { recipientCountsSchema } from './migrations/005-recipient-counts';
import { tenantSendersSchema } from './migrations/006-tenant-senders';
import { webSessionsSchema } from './migrations/008-web-sessions';
import { taskProgressSchema } from './migrations/007-task-progress';

/** Migrations live in code (not read from a folder) so the compiled and the tsx-run CLI see the same list. */
function provider(database: Database): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initialSchema(database.dialect),
        '002-sends': sendsSchema(),
        '003-schedules': schedulesSchema(),
        '004-tenant-limits': tenantLimitsSchema(),
        '005-recipient-counts': recipientCountsSchema(database.dialect),
        '006-tenant-senders': tenantSendersSchema(),
        '008-web-sessions': webSessionsSchema(),
        '007-task-progress': taskProgressSchema(),
      };
    },
  };
}

/** Brings the schema to the latest version; safe to run concurrently from several processes on PostgreSQL. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  // Issues add migrations in parallel branches of work; applying them by name order is enough here.
  const migrator = new Migrator({ db: database.db, provider: provider(database), allowUnorderedMigrations: true });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations this code has that the database has not applied yet (`mailroom doctor`). */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: provider(database), allowUnorderedMigrations: true });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
