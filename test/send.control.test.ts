import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewsletter } from '../src/db/queries/newsletters';
import type { SendCounts } from '../src/shared/contracts';
import { sendNewsletter } from '../src/workflows';
import { createAudience } from './support/contacts';
import { DIALECTS } from './support/databases';
import { activityRuns, pollUntil } from './support/send-checks';
import { apiClient } from './support/http';
import { SmtpSink } from './support/smtp-sink';
import { startTestSystem, type TestSystem } from './support/system';
import { startTimingSink } from './support/timing-smtp-sink';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';
import { busiestWindow } from './support/arrivals';

const TENANT = 'ctl';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no new message arrived for `quietMs`; fails if the messages never stop within a minute. */
async function settled(count: () => number, quietMs: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  let last = count();
  for (;;) {
    await sleep(quietMs);
    if (count() === last) return last;
    assert.ok(Date.now() < deadline, `messages still arriving after a minute: ${count()}`);
    last = count();
  }
}

describe('pausing, resuming and cancelling a send', () => {
  const smtp = new SmtpSink();
  let sys: TestSystem;
  let owner: ReturnType<typeof apiClient>;
  let colleague: ReturnType<typeof apiClient>;
  const mailOf = (subject: string) => () => smtp.received.filter((e) => e.mail.subject === subject).length;

  before(async () => {
    await smtp.start();
    // 10 emails a second: batches of 20, so a pause takes effect within seconds.
    sys = await startTestSystem({ dialect: 'sqlite', smtpUrl: smtp.url, env: { MAILROOM_EMAIL_RATE: '10' } });
    await createAudience(sys.db.database.db, TENANT, { subscribed: 200 });
    owner = apiClient(sys.url, (await sys.user(TENANT, 'owner@ctl.test')).apiKey);
    colleague = apiClient(sys.url, (await sys.user(TENANT, 'colleague@ctl.test')).apiKey);
  });
  after(async () => {
    await sys?.stop();
    await smtp.stop();
  });

  it('pauses between batches, shows it, and resumes to the end', async () => {
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: TENANT,
      subject: 'Paused',
      html: '<p>x</p>',
    });
    const { body } = await owner.post(`/v1/newsletters/${newsletter.id}/send`);
    const count = mailOf('Paused');
    await pollUntil('the first 10 messages', () => count() >= 10, 60_000);
    assert.equal((await colleague.post(`/v1/tasks/${body.taskId}/pause`)).status, 404, 'only the owner pauses');
    assert.equal((await owner.post(`/v1/tasks/${body.taskId}/pause`)).status, 202);
    const atPause = await settled(count, 3_000);
    assert.ok(atPause < 200, `paused at ${atPause}`);
    const task = (await owner.get(`/v1/tasks/${body.taskId}`)).body;
    assert.equal(task.status, 'RUNNING');
    assert.equal(task.progress.phase, 'paused');
    assert.equal(task.progress.done, atPause);
    assert.equal(task.progress.total, 200);
    assert.equal((await owner.post(`/v1/tasks/${body.taskId}/resume`)).status, 202);
    const done = await owner.waitForTask(body.taskId);
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.result.sent, 200);
    assert.equal(count(), 200);
    assert.equal((await owner.post(`/v1/tasks/${body.taskId}/pause`)).status, 409, 'a finished send cannot pause');
  });

  it('stops on cancel: the rest is marked cancelled, never sent, and the sender is told', async () => {
    const newsletter = await createNewsletter(sys.db.database.db, {
      tenantId: TENANT,
      subject: 'Stopped',
      html: '<p>x</p>',
    });
    const { body } = await owner.post(`/v1/newsletters/${newsletter.id}/send`);
    const count = mailOf('Stopped');
    await pollUntil('the first 10 messages', () => count() >= 10, 60_000);
    await sys.temporal.workflow.getHandle(body.taskId).cancel();
    const task = await owner.waitForTask(body.taskId);
    assert.equal(task.status, 'CANCELED');
    const delivered = await settled(count, 2_000);
    const rows = await sys.db.database.db
      .selectFrom('deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('newsletter_id', '=', newsletter.id)
      .groupBy('status')
      .execute();
    const by: Record<string, number> = {
      sent: 0,
      cancelled: 0,
      ...Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
    };
    assert.equal(by.sent, delivered, 'the database agrees with the server');
    const { sent = 0, cancelled = 0 } = by;
    assert.ok(cancelled > 0 && sent + cancelled === 200, JSON.stringify(by));
    const [summary] = await smtp.waitFor(
      (e) => e.envelopeTo.includes('owner@ctl.test') && e.mail.subject!.includes('Stopped'),
    );
    assert.match(summary!.mail.subject!, /was stopped/);
    const notes = await sys.db.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('task_id', '=', body.taskId)
      .execute();
    assert.match(notes[0]!.message, /was cancelled/);
  });
});

for (const dialect of DIALECTS) {
  describe(`the email rate holds across two worker processes on ${dialect}`, () => {
    // Arrival times are taken in a process of their own: a busy moment in this one would bunch them.
    let smtp: Awaited<ReturnType<typeof startTimingSink>>;
    let sys: TestSystem;
    const workers: WorkerProcess[] = [];
    const RATE = 20;
    const RECIPIENTS = 160;
    const JITTER_MS = 150;

    before(async () => {
      smtp = await startTimingSink();
      sys = await startTestSystem({
        dialect,
        smtpUrl: smtp.url,
        worker: false,
        env: { MAILROOM_EMAIL_RATE: String(RATE) },
      });
      await createAudience(sys.db.database.db, 'rated', { subscribed: RECIPIENTS });
      await createAudience(sys.db.database.db, 'warm', { subscribed: 20 });
    });
    after(async () => {
      for (const worker of workers) await worker.kill('SIGTERM');
      await sys?.stop();
      smtp?.stop();
    });

    it('two workers that both send never exceed MAILROOM_EMAIL_RATE in any second', async () => {
      workers.push(startWorkerProcess(sys.settings), startWorkerProcess(sys.settings));
      // A short send first: a cold process's first messages wait for its code to load, late and bunched,
      // in the workers and in the sink alike. The claim is about the rate, not about cold starts.
      const warm = await sys.user('warm', 'owner@warm.test');
      const warmNewsletter = await createNewsletter(sys.db.database.db, {
        tenantId: 'warm',
        subject: 'Warm',
        html: 'x',
      });
      await sys.temporal.workflow.execute(sendNewsletter, {
        taskQueue: sys.settings.taskQueue,
        workflowId: `send-warm-${sys.settings.taskQueue}`,
        args: [
          { tenantId: 'warm', userId: warm.userId, newsletterId: warmNewsletter.id, batchSize: 5, concurrency: 4 },
        ],
      });
      const { userId } = await sys.user('rated', 'owner@rated.test');
      const newsletter = await createNewsletter(sys.db.database.db, {
        tenantId: 'rated',
        subject: 'Rated',
        html: '<p>x</p>',
      });
      // Small batches, so both workers' pollers get some.
      const handle = await sys.temporal.workflow.start(sendNewsletter, {
        taskQueue: sys.settings.taskQueue,
        workflowId: `send-rated-${sys.settings.taskQueue}`,
        args: [{ tenantId: 'rated', userId, newsletterId: newsletter.id, batchSize: 10, concurrency: 4 }],
      });
      const result = await handle.result();
      assert.equal(result.sent, RECIPIENTS);

      // Each process sent a share: worker identities are `<pid>@host` on the ActivityTaskStarted events.
      const runs = await activityRuns([handle], 'sendDeliveryBatch');
      const shares = workers.map((worker) =>
        runs
          .filter((run) => run.identity.startsWith(worker.identityPrefix))
          .reduce((sum, run) => sum + ((run.result as SendCounts | undefined)?.sent ?? 0), 0),
      );
      assert.equal(shares[0]! + shares[1]!, RECIPIENTS, `shares ${shares.join(' + ')}`);
      assert.ok(shares[0]! > 0 && shares[1]! > 0, `both processes sent: ${shares.join(' + ')}`);

      const times = (await smtp.arrivals())
        .filter((e) => e.subject === 'Rated')
        .map((e) => e.at)
        .sort((a, b) => a - b);
      assert.equal(times.length, RECIPIENTS);
      const busiest = busiestWindow(times, 1000 - JITTER_MS);
      assert.ok(
        busiest <= RATE,
        `${busiest} emails within ${1000 - JITTER_MS} ms against a limit of ${RATE}/s; arrivals (ms): ${times.map((t) => t - times[0]!).join(' ')}`,
      );
      // The slots are spaced exactly at the rate; the first and last arrival may each be off their slot by
      // the same jitter as above, which shortens the span they measure by at most that much.
      const span = times.at(-1)! - times[0]!;
      const measured = ((times.length - 1) * 1000) / span;
      assert.ok(
        span >= ((times.length - 1) * 1000) / RATE - JITTER_MS,
        `measured ${measured.toFixed(1)}/s against a limit of ${RATE}/s (${span} ms for ${times.length} emails)`,
      );
    });
  });
}
