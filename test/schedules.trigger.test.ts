import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { startTestSystem, type TestSystem } from './support/system';
import { sleep, waitUntil } from './support/wait';

/**
 * `POST /v1/schedules/{id}/trigger` while a run of the schedule is still going is refused with 409
 * (`run_in_progress`) and starts nothing; once the run has closed, a trigger runs again (202).
 *
 * No worker: a triggered run's workflow starts and stays open (nothing executes it), which holds a run
 * "in progress" for exactly as long as the test needs, on either database. Schedule ids are random, so
 * the runs' workflow ids (`export-<tenant>-<newsletter>-<schedule>-<time>`) differ between the variants.
 */
for (const dialect of DIALECTS) {
  describe(`triggering a schedule during one of its runs, on ${dialect}`, () => {
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let scheduleId: string;

    /** The schedule's runs as its owner sees them, oldest first. */
    const runs = async (): Promise<{ taskId: string }[]> => {
      const view = await alice.get(`/v1/schedules/${scheduleId}`);
      assert.equal(view.status, 200, view.text);
      return [...view.body.recentRuns].reverse();
    };
    const running = async () => (await sys.temporal.schedule.getHandle(scheduleId).describe()).info.runningActions;

    before(async () => {
      sys = await startTestSystem({ dialect, worker: false });
      alice = apiClient(sys.url, (await sys.user('acme', 'alice@acme.test')).apiKey);
      const { id: newsletterId } = await createNewsletter(sys.db.database.db, {
        tenantId: 'acme',
        subject: 'Yearly news',
        html: '<p>hi</p>',
      });
      // Once a year at the soonest: every run here is a triggered one.
      const created = await alice.post('/v1/schedules', {
        action: { type: 'export', newsletterId },
        cron: '0 0 1 1 *',
      });
      assert.equal(created.status, 201, created.text);
      scheduleId = created.body.id;
    });
    after(async () => {
      if (scheduleId) {
        for (const run of await running().catch(() => [])) {
          await sys.temporal.workflow
            .getHandle(run.workflow.workflowId)
            .terminate('end of test')
            .catch(() => undefined);
        }
        await sys.temporal.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
      }
      await sys?.stop();
    });

    it('answers 409 run_in_progress while a run is open, and starts no second run', async () => {
      const first = await alice.post(`/v1/schedules/${scheduleId}/trigger`);
      assert.equal(first.status, 202, first.text);
      const [run] = await waitUntil('the triggered run to start', async () => {
        const all = await runs();
        return all.length === 1 && all;
      });
      const description = await sys.temporal.workflow.getHandle(run!.taskId).describe();
      assert.equal(description.status.name, 'RUNNING', 'the first run is still open');

      const second = await alice.post(`/v1/schedules/${scheduleId}/trigger`);
      assert.equal(second.status, 409, second.text);
      assert.equal(second.body.error.code, 'run_in_progress');
      assert.match(second.body.error.message, /in progress/);

      await sleep(1_500);
      assert.deepEqual(
        (await runs()).map((r) => r.taskId),
        [run!.taskId],
        'the refused trigger started nothing',
      );
      assert.equal((await running()).length, 1);
    });

    it('runs again once the open run has closed', async () => {
      const [open] = await running();
      assert.ok(open, 'the first run is still open');
      await sys.temporal.workflow.getHandle(open.workflow.workflowId).terminate('closing the first run');
      await waitUntil('the schedule to see its run closed', async () => (await running()).length === 0);

      const again = await alice.post(`/v1/schedules/${scheduleId}/trigger`);
      assert.equal(again.status, 202, again.text);
      const all = await waitUntil('the second run to start', async () => {
        const listed = await runs();
        return listed.length === 2 && listed;
      });
      assert.equal(all[0]!.taskId, open.workflow.workflowId);
      assert.notEqual(all[1]!.taskId, open.workflow.workflowId);
    });
  });
}
