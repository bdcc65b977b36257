/**
 * The baseline: the same messages through a pooled nodemailer transport with the same connection count,
 * as fast as it goes. Runs in its own process; prints JSON `{ ms, cpuMs }`.
 */
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

async function main() {
  const [url, count, pool, run] = process.argv.slice(2) as [string, string, string, string];
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: Number(pool),
    maxMessages: Infinity,
  } as SMTPPool.Options);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const sends: Array<Promise<unknown>> = [];
  for (let i = 1; i <= Number(count); i++) {
    sends.push(
      transport.sendMail({
        from: 'bench@localhost',
        to: `person${i}@bench.test`,
        subject: `${run} bench for First${i}`,
        html: `<p>Hello First${i} Tester</p>`,
        text: `Hello First${i} Tester`,
        messageId: `<raw.${i}@bench>`,
        headers: { 'List-Unsubscribe': `<http://localhost/unsubscribe/${i}>` },
      }),
    );
  }
  await Promise.all(sends);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  transport.close();
  console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
