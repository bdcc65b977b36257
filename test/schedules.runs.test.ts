import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_TENANT, seedDemoTenant } from '../src/db/seed';
import { DIALECTS } from './support/databases';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { waitUntil } from './support/wait';
import { startTestSystem, type TestSystem } from './support/system';

/** Every few seconds, so the runs happen within the test; nothing is faked. */
const EVERY_SECONDS = 2;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const dialect of DIALECTS) {
  describe(`scheduled exports really run, on ${dialect}`, () => {
    const smtp = new SmtpSink();
    let sys: TestSystem;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let newsletterId: number;
    let scheduleId: string;
    let prefix: string;

    /** The schedule's runs among alice's tasks, as she sees them. */
    const runs = async (): Promise<any[]> => {
      const response = await alice.get('/v1/tasks?kind=export&limit=100');
      assert.equal(response.status, 200, response.text);
      return response.body.items.filter((task: any) => task.taskId.startsWith(prefix));
    };
    const emailsToAlice = () => smtp.received.filter((e) => e.envelopeTo.includes('alice@demo.test'));
    /** Waits for in-flight runs to finish, then gives the count of runs. */
    const settledRunCount = async () =>
      waitUntil('runs to settle', async () => {
        const all = await runs();
        return all.every((task) => task.status !== 'RUNNING') && all.length + 1;
      }).then((n) => n - 1);

    before(async () => {
      await smtp.start();
      // Runs seconds apart, so the test sees several: this deployment allows it (the default minimum is 15m).
      sys = await startTestSystem({ dialect, smtpUrl: smtp.url, env: { MAILROOM_MIN_SCHEDULE_INTERVAL: '1s' } });
      newsletterId = (await seedDemoTenant(sys.db.database, { contacts: 40 }))!.newsletters.small;
      alice = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'alice@demo.test')).apiKey);
      bob = apiClient(sys.url, (await sys.user(DEMO_TENANT, 'bob@demo.test')).apiKey);
    });
    after(async () => {
      if (scheduleId)
        await sys.temporal.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
      await sys?.stop();
      await smtp.stop();
    });

    it(`runs an export every ${EVERY_SECONDS}s: two completed tasks, two emails, two notifications`, async () => {
      const created = await alice.post('/v1/schedules', {
        action: { type: 'export', newsletterId },
        every: `${EVERY_SECONDS}s`,
      });
      assert.equal(created.status, 201, created.text);
      scheduleId = created.body.id;
      prefix = `export-${DEMO_TENANT}-${newsletterId}-${scheduleId}-`;

      const done = await waitUntil('two completed runs', async () => {
        const completed = (await runs()).filter((task) => task.status === 'COMPLETED');
        return completed.length >= 2 && completed;
      });
      for (const task of done.slice(0, 2)) {
        assert.equal(task.kind, 'export');
        assert.equal(task.result.rows, 40);
        assert.match(task.taskId, /-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'Temporal appends the run time');
        const own = await alice.get(`/v1/tasks/${task.taskId}`);
        assert.equal(own.status, 200);
        assert.equal(own.body.result.downloadUrl, task.result.downloadUrl);
        assert.equal((await bob.get(`/v1/tasks/${task.taskId}`)).status, 404, 'only the owner sees a run');
      }
      assert.deepEqual((await bob.get('/v1/tasks')).body.items, []);

      await smtp.waitFor((e) => e.envelopeTo.includes('alice@demo.test'), 2);
      const links = emailsToAlice().map(
        (e) => /https?:\/\/\S+\/downloads\/[A-Za-z0-9_.-]+/.exec(e.mail.text ?? '')![0],
      );
      assert.equal(new Set(links).size, links.length, 'each run emails its own link');
      const download = await fetch(links[0]!);
      assert.equal(download.status, 200);
      assert.equal((await download.text()).trim().split('\n').length, 41, 'header and 40 rows');

      const notes = await sys.db.database.db.selectFrom('notifications').select(['task_id', 'message']).execute();
      for (const task of done.slice(0, 2)) {
        const note = notes.find((n) => n.task_id === task.taskId);
        assert.ok(note, `a notification for ${task.taskId}`);
        assert.match(note.message, /ready: 40 rows/);
      }
      const view = await alice.get(`/v1/schedules/${scheduleId}`);
      assert.ok(view.body.recentRuns.length >= 2);
      assert.ok(view.body.recentRuns.every((run: any) => run.taskId.startsWith(prefix)));
    });

    it('stops running while paused, yet a trigger runs one at once', async () => {
      assert.equal((await alice.post(`/v1/schedules/${scheduleId}/pause`)).status, 204);
      const before = await settledRunCount();
      await pause(EVERY_SECONDS * 3 * 1000);
      assert.equal((await runs()).length, before, 'no run while paused');
      assert.equal((await alice.get(`/v1/schedules/${scheduleId}`)).body.status, 'PAUSED');

      const emails = emailsToAlice().length;
      const triggered = await alice.post(`/v1/schedules/${scheduleId}/trigger`);
      assert.equal(triggered.status, 202, triggered.text);
      const [run] = await waitUntil('the triggered run', async () => {
        const all = await runs();
        return all.length === before + 1 && all;
      });
      assert.equal((await alice.waitForTask(run.taskId, 40_000)).status, 'COMPLETED');
      await smtp.waitFor((e) => e.envelopeTo.includes('alice@demo.test'), emails + 1);
      await pause(EVERY_SECONDS * 2 * 1000);
      assert.equal((await runs()).length, before + 1, 'the trigger ran once and the pause holds');
    });

    it('resumes runs when unpaused, and runs no more once deleted', async () => {
      const before = await settledRunCount();
      assert.equal((await alice.post(`/v1/schedules/${scheduleId}/unpause`)).status, 204);
      await waitUntil(
        'a run after unpausing',
        async () => (await runs()).filter((task) => task.status === 'COMPLETED').length > before,
      );

      assert.equal((await alice.call('DELETE', `/v1/schedules/${scheduleId}`)).status, 204);
      const atDelete = await settledRunCount();
      await pause(EVERY_SECONDS * 3 * 1000);
      assert.equal((await runs()).length, atDelete, 'no run after DELETE');
      // The runs stay the owner's tasks after their schedule is gone.
      assert.equal((await alice.get(`/v1/tasks/${(await runs())[0].taskId}`)).status, 200);
    });
  });
}
