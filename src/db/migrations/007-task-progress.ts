import type { Kysely, Migration } from 'kysely';

/**
 * The last progress read live from a running task's workflow (JSON of Progress): the task listing shows it
 * without asking Temporal for each task (a query needs a worker, slow under load).
 */
export function taskProgressSchema(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tasks').addColumn('progress', 'text').execute();
    },
  };
}
