// Preloaded with `--require` (node refuses --cpu-prof in NODE_OPTIONS): profiles this process from its start
// and writes `<PROFILE_DIR>/worker-<pid>.cpuprofile` when it exits (open it in Chrome DevTools).
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');
process.on('exit', () => {
  // Same-thread session: the callback runs before `exit` returns.
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    fs.mkdirSync(process.env.PROFILE_DIR, { recursive: true });
    fs.writeFileSync(path.join(process.env.PROFILE_DIR, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
