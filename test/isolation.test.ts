import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from './support/databases';
import { apiClient, type ApiResponse } from './support/http';
import { startTestSystem, type TestSystem } from './support/system';

/** What each user owns after the set-up: ids another user will try. */
interface Owned {
  name: string;
  tenant: string;
  client: ReturnType<typeof apiClient>;
  newsletterId: number;
  exportTask: string;
  importTask: string;
  notificationId: string;
  downloadUrl: string;
  scheduleId: string;
}

const USERS = [
  ['north', 'ann@north.test'],
  ['north', 'ned@north.test'],
  ['south', 'sue@south.test'],
  ['south', 'sam@south.test'],
] as const;

/** The same id with its random tail replaced: same shape, owned by nobody. */
const unknownLike = (id: string) =>
  id.startsWith('ntf_')
    ? `ntf_${crypto.randomBytes(12).toString('base64url')}`
    : id.replace(/[0-9a-f]{16,}$/, (tail) => crypto.randomBytes(tail.length).toString('hex').slice(0, tail.length));

/** Status, content type and body, byte for byte: what a client could tell apart. */
const answer = (r: ApiResponse) => ({ status: r.status, type: r.headers.get('content-type'), text: r.text });

for (const dialect of DIALECTS) {
  describe(`two tenants, two users each, every route tried with the others’ ids, on ${dialect}`, () => {
    let sys: TestSystem;
    const users: Owned[] = [];

    before(async () => {
      sys = await startTestSystem({ dialect });
      for (const [tenant, email] of USERS) {
        const client = apiClient(sys.url, (await sys.user(tenant, email)).apiKey);
        const newsletter = await client.post('/v1/newsletters', { subject: `From ${email}`, html: '<p>hi</p>' });
        const exported = await client.post('/v1/exports', { newsletterId: newsletter.body.id });
        const imported = await client.call('POST', '/v1/contacts/import', `${email.replace('@', '+c@')},A,B\n`, {
          'Content-Type': 'text/csv',
        });
        const schedule = await client.post('/v1/schedules', {
          action: { type: 'export', newsletterId: newsletter.body.id },
          every: '1d',
        });
        assert.deepEqual([newsletter.status, exported.status, imported.status, schedule.status], [201, 202, 202, 201]);
        const exportDone = await client.waitForTask(exported.body.taskId);
        await client.waitForTask(imported.body.taskId);
        const notes = (await client.get('/v1/notifications')).body.items;
        users.push({
          name: email,
          tenant,
          client,
          newsletterId: newsletter.body.id,
          exportTask: exported.body.taskId,
          importTask: imported.body.taskId,
          notificationId: notes.find((n: any) => n.taskId === exported.body.taskId).id,
          downloadUrl: exportDone.result.downloadUrl,
          scheduleId: schedule.body.id,
        });
      }
    });
    after(async () => {
      for (const user of users) await user.client.call('DELETE', `/v1/schedules/${user.scheduleId}`);
      await sys?.stop();
    });

    /** Every way to reach a user's things by id; each gets the id to try. */
    const probes: Array<[string, (o: Owned) => string, (client: Owned['client'], id: string) => Promise<ApiResponse>]> =
      [
        ['GET task', (o) => o.exportTask, (c, id) => c.get(`/v1/tasks/${id}`)],
        ['GET import task (its result)', (o) => o.importTask, (c, id) => c.get(`/v1/tasks/${id}`)],
        ['GET task events', (o) => o.exportTask, (c, id) => c.get(`/v1/tasks/${id}/events`)],
        ['cancel task', (o) => o.importTask, (c, id) => c.post(`/v1/tasks/${id}/cancel`)],
        ['pause task', (o) => o.exportTask, (c, id) => c.post(`/v1/tasks/${id}/pause`)],
        ['resume task', (o) => o.exportTask, (c, id) => c.post(`/v1/tasks/${id}/resume`)],
        ['read notification', (o) => o.notificationId, (c, id) => c.post(`/v1/notifications/${id}/read`)],
        ['GET schedule', (o) => o.scheduleId, (c, id) => c.get(`/v1/schedules/${id}`)],
        ['PATCH schedule', (o) => o.scheduleId, (c, id) => c.call('PATCH', `/v1/schedules/${id}`, { every: '2d' })],
        ['pause schedule', (o) => o.scheduleId, (c, id) => c.post(`/v1/schedules/${id}/pause`)],
        ['unpause schedule', (o) => o.scheduleId, (c, id) => c.post(`/v1/schedules/${id}/unpause`)],
        ['trigger schedule', (o) => o.scheduleId, (c, id) => c.post(`/v1/schedules/${id}/trigger`)],
        ['DELETE schedule', (o) => o.scheduleId, (c, id) => c.call('DELETE', `/v1/schedules/${id}`)],
      ];

    it('answers every other user’s id exactly as an unknown id, and changes nothing', async () => {
      for (const attacker of users) {
        for (const victim of users.filter((u) => u !== attacker)) {
          for (const [what, idOf, call] of probes) {
            const theirs = answer(await call(attacker.client, idOf(victim)));
            const unknown = answer(await call(attacker.client, unknownLike(idOf(victim))));
            assert.equal(theirs.status, 404, `${attacker.name} → ${what} of ${victim.name}: ${theirs.text}`);
            assert.deepEqual(theirs, unknown, `${attacker.name} → ${what} of ${victim.name}`);
          }
        }
      }
    });

    it('answers another tenant’s newsletter exactly as an unknown one, for export, send and schedule', async () => {
      const unknownId = 2_000_000_000;
      for (const attacker of users) {
        for (const victim of users.filter((u) => u.tenant !== attacker.tenant)) {
          const tries: Array<[string, (id: number) => Promise<ApiResponse>]> = [
            ['export', (id) => attacker.client.post('/v1/exports', { newsletterId: id })],
            ['send', (id) => attacker.client.post(`/v1/newsletters/${id}/send`)],
            [
              'schedule',
              (id) =>
                attacker.client.post('/v1/schedules', { action: { type: 'export', newsletterId: id }, every: '1d' }),
            ],
          ];
          for (const [what, call] of tries) {
            const theirs = answer(await call(victim.newsletterId));
            assert.equal(theirs.status, 404, `${what}: ${theirs.text}`);
            assert.deepEqual(
              theirs,
              answer(await call(unknownId)),
              `${attacker.name} → ${what} of ${victim.name}’s newsletter`,
            );
          }
        }
        const listed = (await attacker.client.get('/v1/newsletters')).body.items.map((n: any) => n.id).sort();
        assert.deepEqual(
          listed,
          users
            .filter((u) => u.tenant === attacker.tenant)
            .map((u) => u.newsletterId)
            .sort(),
          'newsletters are the tenant’s',
        );
      }
    });

    it('lists only the caller’s own tasks, notifications and schedules', async () => {
      for (const user of users) {
        const tasks = (await user.client.get('/v1/tasks')).body.items.map((t: any) => t.taskId).sort();
        assert.deepEqual(tasks, [user.exportTask, user.importTask].sort(), user.name);
        const notes = (await user.client.get('/v1/notifications')).body.items;
        assert.deepEqual(notes.map((n: any) => n.taskId).sort(), [user.exportTask, user.importTask].sort(), user.name);
        const schedules = (await user.client.get('/v1/schedules')).body.items.map((s: any) => s.id);
        assert.deepEqual(schedules, [user.scheduleId], user.name);
      }
    });

    it('left everything of its owner as it was: tasks completed, notifications unread, schedules active', async () => {
      for (const user of users) {
        for (const taskId of [user.exportTask, user.importTask])
          assert.equal((await user.client.get(`/v1/tasks/${taskId}`)).body.status, 'COMPLETED');
        assert.ok(
          (await user.client.get('/v1/notifications')).body.items.some((n: any) => n.id === user.notificationId),
        );
        const schedule = (await user.client.get(`/v1/schedules/${user.scheduleId}`)).body;
        assert.deepEqual([schedule.status, schedule.every, schedule.recentRuns], ['ACTIVE', '1d', []]);
      }
    });

    it('gives no way to a file but its signed link: a forged token for a real export reads like one for no export', async () => {
      for (const user of users) {
        const token = user.downloadUrl.split('/downloads/')[1]!;
        const [payload] = token.split('.') as [string, string];
        const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        const forge = (exportId: string) =>
          `${Buffer.from(JSON.stringify({ ...claim, e: exportId })).toString('base64url')}.${'A'.repeat(43)}`;
        const real = await fetch(`${sys.url}/downloads/${forge(claim.e)}`);
        const none = await fetch(`${sys.url}/downloads/${forge('f'.repeat(32))}`);
        assert.equal(real.status, 403);
        assert.deepEqual([real.status, await real.text()], [none.status, await none.text()]);
        const own = await fetch(user.downloadUrl);
        assert.equal(own.status, 200, 'the link itself works for whoever holds it, by design: it is emailed');
        await own.arrayBuffer();
      }
    });
  });
}
