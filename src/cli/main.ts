import { Command } from 'commander';
import { action } from './action';
import type * as AdminCommands from './commands/admin';
import { schedulesSync } from './commands/schedules';
import { addSender, LIMIT_OPTIONS, removeSender, setLimits, showTenant } from './commands/tenants';
import { addUserCommands } from './commands/users';
import { worker } from './commands/worker';

// Loaded when run: a worker process then holds none of the API's routes and schemas (about 8 MB of its RSS).
const api = async () => (await import('./commands/api.js')).api();
const dev = async () => (await import('./commands/dev.js')).dev();
const doctor = async () => (await import('./commands/doctor.js')).doctor();
// Loaded when run as well: the migrations, the seed and its progress bar are nothing a worker runs.
const admin = async () => import('./commands/admin.js');
const migrate = async () => (await admin()).migrate();
const seed = async (options: Parameters<typeof AdminCommands.seed>[0]) => (await admin()).seed(options);
const createTenant = async (slug: string) => (await admin()).createTenant(slug);
const createUser = async (options: Parameters<typeof AdminCommands.createUser>[0]) =>
  (await admin()).createUser(options);

const program = new Command('mailroom').description('Background tasks of the emailing SaaS, on Temporal.');

program
  .command('dev')
  .description('start Temporal (if needed), migrate, seed, and run worker and API together')
  .action(action(dev));
program.command('api').description('run the HTTP API').action(action(api));
program
  .command('worker')
  .description('run the Temporal worker')
  .option('--bulk', 'serve only the bulk queues, at a lower CPU priority (needs MAILROOM_BULK_WORKERS=separate)')
  .action(action(worker));
program
  .command('doctor')
  .description('check Temporal, database, mail, secrets, export store, schedules and workers; exit 1 on any ✗')
  .action(action(doctor));
program.command('migrate').description('bring the database schema up to date').action(action(migrate));
program
  .command('seed')
  .description('create the demo tenant deterministically (same N, same rows)')
  .option('--contacts <n>', 'number of contacts and deliveries', '500000')
  .action(action(seed));
const tenants = program.command('tenants').description('manage tenants');
tenants.command('create <slug>').description('create a tenant; does nothing if it exists').action(action(createTenant));
const setLimitsCommand = tenants
  .command('set-limits <slug>')
  .description('override limits of one tenant ("default" puts one back); prints the limits in force');
for (const { flag, describe } of LIMIT_OPTIONS) setLimitsCommand.option(`--${flag} <value>`, describe);
setLimitsCommand.action(action(setLimits));
tenants
  .command('show <slug>')
  .description("a tenant's limits in force, its usage and its verified senders")
  .action(action(showTenant));
tenants
  .command('add-sender <slug> <sender>')
  .description('let the tenant send from an address, or any address @domain; prints its senders')
  .action(action(addSender));
tenants
  .command('remove-sender <slug> <sender>')
  .description('withdraw a sender: drafts from it can no longer be sent; prints the senders left')
  .action(action(removeSender));
program
  .command('users')
  .description('manage users')
  .command('create')
  .description('create a user (and its tenant) and print a new API key')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .requiredOption('--email <email>', 'user email')
  .action(action(createUser));
addUserCommands(program);
program
  .command('schedules')
  .description('manage the built-in schedules')
  .command('sync')
  .description('create or update the built-in schedules (purgeExpiredExports, dailyDigest) to match the code')
  .action(action(schedulesSync));

program.parseAsync(process.argv).catch((error) => {
  console.error(`mailroom: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
