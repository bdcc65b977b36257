import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { LOGIN_LINK_TTL_MS } from '../../api/web-session';
import { migrateToLatest } from '../../db/migrate';
import { createLoginLink, findUsersByEmail } from '../../db/queries/web-sessions';
import type { DatabaseSchema } from '../../db/schema';
import { loadSettings } from '../../settings';
import { action, UsageError } from '../action';
import { withDatabase } from './admin';

/**
 * A link that signs the user in to the task page once, within 15 minutes. The token rides in the
 * fragment (`#login=`): browsers never send a fragment to the server, so it stays out of access logs.
 */
export async function signInLink(db: Kysely<DatabaseSchema>, publicBaseUrl: string, userId: string): Promise<string> {
  const token = await createLoginLink(db, userId, LOGIN_LINK_TTL_MS);
  return `${publicBaseUrl}/app/#login=${token}`;
}

const loginLink = (options: { email: string; tenant?: string }) =>
  withDatabase(async (database) => {
    await migrateToLatest(database);
    const users = (await findUsersByEmail(database.db, options.email)).filter(
      (user) => options.tenant === undefined || user.tenant_id === options.tenant,
    );
    if (users.length === 0) throw new UsageError(`no user with the email ${options.email}`);
    if (users.length > 1)
      throw new UsageError(
        `${options.email} is a user of several tenants (${users.map((u) => u.tenant_id).join(', ')}); name one with --tenant`,
      );
    // Only the link on stdout, so scripts can capture it.
    console.log(await signInLink(database.db, loadSettings().publicBaseUrl, users[0]!.id));
  });

/** Adds `users login-link` beside `users create`. */
export function addUserCommands(program: Command): void {
  const users = program.commands.find((command) => command.name() === 'users');
  if (!users) throw new Error('the users command must be declared first');
  users
    .command('login-link')
    .description('print a one-time link that signs the user in to the task page (valid 15 minutes)')
    .requiredOption('--email <email>', 'user email')
    .option('--tenant <slug>', 'tenant slug, when the email belongs to users of several tenants')
    .action(action(loginLink));
}
