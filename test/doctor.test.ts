/**
 * `pimesh doctor` and the schedule matrix: which jobs the daemon runs (schedule.enabled,
 * schedule.jobs.<job>, PIMESH_SCHEDULE_JOBS) and where doctor finds the others (a crontab line, an
 * enabled systemd timer), with a warning for a job that runs nowhere or twice.
 */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../src/config/load.js';
import { modeCheck, scheduleChecks } from '../src/doctor/checks.js';
import { JOB_NAMES, runsInProcess } from '../src/jobs/jobs-config.js';
import { runCli, startPimesh, tempCwd } from './helpers/pimesh-process.js';

const KEY = { PIMESH_NETWORK_KEY: 'a-network-key' };
const load = (env: NodeJS.ProcessEnv) => loadConfig({ env: { ...KEY, ...env }, cwd: tempCwd() });

function osSchedules(cron: string[] = [], timers: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-doctor-'));
  const cronFile = join(dir, 'cron.d', 'pimesh');
  mkdirSync(join(dir, 'cron.d'));
  writeFileSync(
    cronFile,
    cron
      .map(
        (job) =>
          `*/5 * * * * pimesh cd /var/lib/pimesh && /usr/bin/node /opt/pimesh/dist/cli.js ${job} --config x\n`,
      )
      .join(''),
  );
  const wants = join(dir, 'systemd', 'timers.target.wants');
  mkdirSync(wants, { recursive: true });
  for (const job of timers) symlinkSync(`../pimesh-${job}.timer`, join(wants, `pimesh-${job}.timer`));
  return { cronFile, systemdDir: join(dir, 'systemd') };
}

const verdicts = (env: NodeJS.ProcessEnv, cron?: string[], timers?: string[]) =>
  Object.fromEntries(
    scheduleChecks(load(env), osSchedules(cron, timers)).map((r) => [
      r.name.replace('schedule ', ''),
      `${r.verdict} ${r.detail}`,
    ]),
  );

test('PIMESH_SCHEDULE_JOBS turns single jobs off in the daemon; PIMESH_SCHEDULE=off turns all off', (t) => {
  const some = load({ PIMESH_SCHEDULE_JOBS: 'log-sample=off, elect=off' }).config.schedule;
  t.deepEqual(
    JOB_NAMES.filter((job) => runsInProcess(some, job)),
    ['post-ip', 'check-ip', 'peer-data', 'retention'],
  );
  const none = load({ PIMESH_SCHEDULE: 'off' }).config.schedule;
  t.deepEqual(
    JOB_NAMES.filter((job) => runsInProcess(none, job)),
    [],
  );
});

test('an unknown job or value in PIMESH_SCHEDULE_JOBS is a configuration error naming it', (t) => {
  const error = t.throws(() => load({ PIMESH_SCHEDULE_JOBS: 'sample=off,elect=maybe' }));
  t.regex(error?.message ?? '', /schedule\.jobs/);
  t.regex(error?.message ?? '', /must be one of log-sample, post-ip, check-ip, elect, peer-data, retention/);
  t.regex(error?.message ?? '', /must be on or off/);
});

test('every job in the daemon: each runs in one place', (t) => {
  for (const v of Object.values(verdicts({}))) t.is(v, 'PASS runs in the daemon');
});

test('a job off in the daemon runs from its crontab line or its enabled timer', (t) => {
  const v = verdicts({ PIMESH_SCHEDULE_JOBS: 'log-sample=off,elect=off' }, ['log-sample'], ['elect']);
  t.regex(v['log-sample'], /^PASS runs in cron \(.*cron\.d\/pimesh\)$/);
  t.is(v.elect, 'PASS runs in pimesh-elect.timer');
});

test('a job off in the daemon with no crontab line and no timer runs nowhere: a warning', (t) => {
  const v = verdicts({ PIMESH_SCHEDULE: 'off' }, ['log-sample', 'post-ip', 'check-ip', 'elect']);
  t.is(v['peer-data'], 'WARN runs nowhere: off in the daemon, and no crontab line or enabled timer');
  t.is(v.elect.split(' ')[0], 'PASS');
});

test('a job in the daemon and in cron runs twice: a warning', (t) => {
  const v = verdicts({}, ['post-ip']);
  t.regex(v['post-ip'], /^WARN runs twice: the daemon and cron/);
});

test('jobs that do not apply are not asked for: no controller, no network key', (t) => {
  const results = scheduleChecks(
    loadConfig({ env: { PIMESH_CHARGE_CONTROLLER: 'none', PIMESH_SCHEDULE: 'off' }, cwd: tempCwd() }),
    osSchedules(),
  );
  const byJob = Object.fromEntries(results.map((r) => [r.name, r.detail]));
  t.is(byJob['schedule log-sample'], 'not needed here (no charge controller)');
  t.is(byJob['schedule post-ip'], 'not needed here (no network key)');
});

test('a secrets file others can read is a warning with the chmod that fixes it', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'pimesh-doctor-')), 'env');
  writeFileSync(file, 'PIMESH_NETWORK_KEY=x\n');
  chmodSync(file, 0o644);
  t.like(modeCheck('secrets file', file), { verdict: 'WARN', fix: `chmod 600 ${file}` });
  chmodSync(file, 0o600);
  t.like(modeCheck('secrets file', file), { verdict: 'PASS', detail: `${file} is 0600` });
});

test('doctor with a configuration that does not load: one FAIL line and exit 1', async (t) => {
  const r = await runCli(['doctor'], { PIMESH_PORT: 'eighty' });
  t.is(r.code, 1);
  t.regex(
    r.stdout,
    /^FAIL {2}configuration +Invalid configuration:; http\.port \(PIMESH_PORT\): must be a port number/m,
  );
  t.regex(r.stdout, /0 PASS, 0 WARN, 1 FAIL$/m);
});

test('doctor with a missing charge controller device FAILs it with the fix, and exits 1', async (t) => {
  const r = await runCli(['doctor'], {
    PIMESH_CHARGE_CONTROLLER: '/dev/ttyNOPE9',
    PIMESH_PORT: '47997',
    PIMESH_HOST: '127.0.0.254',
  });
  t.is(r.code, 1);
  t.regex(
    r.stdout,
    /^FAIL {2}charge controller +\/dev\/ttyNOPE9 does not exist \(chargeController\.source\)$/m,
  );
  t.regex(r.stdout, /fix: check the cable and the udev rule/);
});

test('doctor beside a running node: the daemon answers, nothing FAILs, exit 0', async (t) => {
  const node = await startPimesh({ PIMESH_MDNS: 'off' });
  t.teardown(() => node.stop());
  const r = await runCli(['doctor'], { PIMESH_HOST: '127.0.0.1', PIMESH_PORT: String(node.port) }, node.cwd);
  t.is(r.code, 0, r.stdout);
  t.regex(
    r.stdout,
    new RegExp(`^PASS {2}daemon +answers on http://127\\.0\\.0\\.1:${node.port} \\(pimesh `, 'm'),
  );
  t.regex(r.stdout, /^WARN {2}charge controller +SIMULATED: the readings are invented$/m);
  t.regex(r.stdout, /\d+ PASS, \d+ WARN, 0 FAIL$/m);
});
