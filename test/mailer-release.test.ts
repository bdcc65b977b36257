import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMailer, MessageWithdrawn, type Mailer } from '../src/mail/mailer';
import { SmtpSink } from './support/smtp-sink';

/**
 * A send's end is held until its ledger mark commits (`sendComposed`'s `release`). The mark can fail while
 * the SMTP transaction is still before DATA, as when PostgreSQL restarts mid-send: the message must be
 * withdrawn, never accepted, and the failure must not escape as an unhandled rejection (which kills a
 * worker, as the chaos test saw).
 */
describe('mailer: a message held until its release', () => {
  const sink = new SmtpSink();
  let mailer: Mailer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    await sink.start();
    mailer = createMailer({
      smtpUrl: sink.url,
      smtpPoolSize: 2,
      mailFrom: 'Mailroom <noreply@mailroom.test>',
      bounceAddress: 'bounces@mailroom.test',
      dataDir: '/nonexistent',
    });
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    mailer.close();
    await sink.stop();
  });

  const composed = (n: number) =>
    mailer.compose([
      {
        to: `r${n}@example.test`,
        subject: `m${n}`,
        text: 't',
        html: '<p>t</p>',
        messageId: `<m${n}@mailroom.test>`,
      },
    ])[0]!;
  const receivedIds = () => sink.received.map((r) => r.mail.messageId);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('withdraws a message whose release fails before DATA, without an unhandled rejection', async () => {
    const email = await composed(1);
    const sending = mailer.sendComposed(email, Promise.reject(new Error('database went away')));
    await assert.rejects(sending, MessageWithdrawn);
    await settle();
    assert.deepEqual(unhandled, []);
    assert.ok(!receivedIds().includes('<m1@mailroom.test>'));
  });

  it('withdraws a message released with false, and sends one released with true', async () => {
    let later: (go: boolean) => void = () => undefined;
    const held = mailer.sendComposed(await composed(2), new Promise<boolean>((resolve) => (later = resolve)));
    const sent = mailer.sendComposed(
      await composed(3),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100)),
    );
    setTimeout(() => later(false), 100);
    await assert.rejects(held, MessageWithdrawn);
    assert.deepEqual(await sent, { messageId: '<m3@mailroom.test>' });
    await sink.waitFor((r) => r.mail.messageId === '<m3@mailroom.test>');
    await settle();
    assert.ok(!receivedIds().includes('<m2@mailroom.test>'), 'a withdrawn message was never accepted');
    assert.deepEqual(unhandled, []);
  });
});
