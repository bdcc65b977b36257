import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const UNITS = path.resolve(__dirname, '..', '..', 'deploy', 'systemd');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const strict = ['true', '1', 'yes'].includes((process.env.CI ?? '').toLowerCase());
// Debian's `systemd` package has it; a machine without it can only skip, and CI must not.
const missing = analyze.error ? 'systemd-analyze is not installed (Debian package `systemd`)' : undefined;
if (missing && strict) throw new Error(`${missing}: under CI=true the systemd units must be verified`);

/** `[Section]` → key → values, as systemd reads a unit (comments and blank lines dropped). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) sections.set(section[1]!, (current = new Map()));
    else if (current) {
      const [key, ...value] = line.split('=');
      current.set(key!, [...(current.get(key!) ?? []), value.join('=')]);
    }
  }
  return sections;
}

describe('deploy/systemd units', { skip: missing }, () => {
  const files = fs.readdirSync(UNITS).filter((f) => f.endsWith('.service'));

  it('are mailroom-api.service and the mailroom-worker@.service and mailroom-worker-bulk@.service templates', () => {
    assert.deepEqual(files.sort(), [
      'mailroom-api.service',
      'mailroom-worker-bulk@.service',
      'mailroom-worker@.service',
    ]);
  });

  for (const file of files) {
    it(`${file} passes systemd-analyze verify, without a warning`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-units-'));
      try {
        // A template is verified as an instance; node where this machine has it, if not at /usr/bin/node.
        const name = file.replace('@.service', '@1.service');
        let text = fs.readFileSync(path.join(UNITS, file), 'utf8');
        if (!fs.existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node', process.execPath);
        fs.writeFileSync(path.join(dir, name), text);
        const result = spawnSync('systemd-analyze', ['verify', path.join(dir, name)], { encoding: 'utf8' });
        const output = `${result.stdout}${result.stderr}`.trim();
        assert.equal(result.status, 0, output);
        assert.equal(output, '', 'no warnings');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${file} starts at boot, restarts on failure, runs unprivileged, stops gracefully`, () => {
      const unit = parseUnit(fs.readFileSync(path.join(UNITS, file), 'utf8'));
      const service = unit.get('Service')!;
      assert.deepEqual(unit.get('Install')?.get('WantedBy'), ['multi-user.target']);
      assert.deepEqual(service.get('Restart'), ['on-failure']);
      const user = service.get('User')?.[0];
      assert.ok(user && user !== 'root', `User=${user}`);
      assert.deepEqual(service.get('NoNewPrivileges'), ['yes']);
      assert.deepEqual(service.get('KillSignal'), ['SIGTERM']);
      // Longer than the process's own stop deadline: SIGKILL never cuts a graceful stop short.
      assert.ok(Number(service.get('TimeoutStopSec')?.[0]) >= (file.includes('worker') ? 50 : 25));
      assert.match(service.get('ExecStart')![0]!, /dist\/cli\/main\.js (api|worker|worker --bulk)'?$/);
    });
  }
});
