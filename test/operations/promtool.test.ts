import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const PROMETHEUS_DIR = path.resolve(__dirname, '../../deploy/prometheus');
/** scripts/test.sh installs it (scripts/ensure-promtool.sh) and exports its path. */
const promtool = process.env.MAILROOM_PROMTOOL || 'promtool';

function run(...args: string[]): string {
  try {
    return execFileSync(promtool, args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      assert.fail('promtool is missing: run `source scripts/ensure-promtool.sh` (Debian package prometheus)');
    assert.fail(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('deploy/prometheus, checked by promtool', () => {
  it('the scrape config is valid and finds its rule file', () => {
    assert.match(run('check', 'config', 'prometheus.yml'), /SUCCESS: 1 rule files found/);
  });

  it('the alert rules are valid', () => {
    assert.match(run('check', 'rules', 'rules/mailroom.rules.yml'), /SUCCESS: 9 rules found/);
  });

  it('every alert fires in its unit case (and stays quiet in the healthy ones)', () => {
    assert.match(run('test', 'rules', 'rules/mailroom.rules.test.yml'), /SUCCESS/);
  });
});
