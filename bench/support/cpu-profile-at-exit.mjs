// Preloaded with `--import` (node refuses --cpu-prof in NODE_OPTIONS): profiles this process from its start
// and writes `<PROFILE_DIR>/worker-<pid>.cpuprofile` when it exits (open it in Chrome DevTools).
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import process from 'node:process';

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');
process.on('exit', () => {
  // Same-thread session: the callback runs before `exit` returns.
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    const dir = process.env.PROFILE_DIR ?? '.';
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
