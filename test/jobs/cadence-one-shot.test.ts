/**
 * cron starts `pimesh post-ip` / `elect` every 5 minutes; each goes ahead only when the cadence says
 * it is due since its last run (a stamp in the data dir), or with --force. A skip is one line.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/config/load.js';
import { cadenceSkip } from '../../src/jobs/cadence-one-shot.js';
import { stampPath } from '../../src/jobs/cadence-stamp.js';
import { writeReading } from '../helpers/cadence-node.js';
import { MINUTE } from '../helpers/fake-timers.js';
import { runCli, tempCwd } from '../helpers/pimesh-process.js';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function node(env: NodeJS.ProcessEnv = {}) {
  const cwd = tempCwd();
  // 62 % and no sun: 20 min doubled, every 40 min.
  writeReading(cwd, '0.62', '0.0');
  const loaded = loadConfig({ cwd, env: { PIMESH_SCHEDULE: 'off', ...env } });
  const stamp = () => JSON.parse(readFileSync(stampPath(loaded.config.dataDir, 'post-ip'), 'utf8'));
  return { cwd, loaded, stamp };
}

test('a job with no stamp is due, and running it stamps it', async (t) => {
  const { loaded, stamp } = node();
  t.is(await cadenceSkip(loaded, 'post-ip', { now: T0 }), undefined);
  t.deepEqual(stamp(), { lastRun: new Date(T0).toISOString() });
  const mode = statSync(stampPath(loaded.config.dataDir, 'post-ip')).mode & 0o777;
  t.is(mode, 0o644);
});

test('within the interval the one-shot is skipped with one line saying why and until when', async (t) => {
  const { loaded, stamp } = node();
  await cadenceSkip(loaded, 'post-ip', { now: T0 });
  const line = await cadenceSkip(loaded, 'post-ip', { now: T0 + 10 * MINUTE });
  t.is(
    line,
    'post-ip skipped: not due until 2026-11-28T12:40:00.000Z (last run 10 min ago; every 40 min: ' +
      'battery 62 % (above 50 %, at most 70 %): 20 min; PV 0 W: x2 = 40 min); --force runs it now',
  );
  t.deepEqual(stamp(), { lastRun: new Date(T0).toISOString() }, 'a skip leaves the stamp alone');
});

test('--force runs it anyway, and the next interval counts from the forced run', async (t) => {
  const { loaded, stamp } = node();
  await cadenceSkip(loaded, 'post-ip', { now: T0 });
  t.is(await cadenceSkip(loaded, 'post-ip', { now: T0 + 10 * MINUTE, force: true }), undefined);
  t.deepEqual(stamp(), { lastRun: new Date(T0 + 10 * MINUTE).toISOString() });
  t.truthy(await cadenceSkip(loaded, 'post-ip', { now: T0 + 45 * MINUTE }));
});

test('a cron tick a few seconds short of the interval still runs (one minute of tolerance)', async (t) => {
  const { loaded } = node();
  await cadenceSkip(loaded, 'post-ip', { now: T0 + 2000 });
  t.is(await cadenceSkip(loaded, 'post-ip', { now: T0 + 40 * MINUTE }), undefined);
  t.truthy(await cadenceSkip(loaded, 'post-ip', { now: T0 + 78 * MINUTE }));
});

test('each job has its own stamp; log-sample and a cadence switched off are never gated', async (t) => {
  const { loaded } = node();
  await cadenceSkip(loaded, 'post-ip', { now: T0 });
  t.is(await cadenceSkip(loaded, 'elect', { now: T0 + MINUTE }), undefined);
  t.is(await cadenceSkip(loaded, 'log-sample', { now: T0 + MINUTE }), undefined);
  t.is(await cadenceSkip(loaded, 'log-sample', { now: T0 + 2 * MINUTE }), undefined);
  const off = node({ PIMESH_CADENCE: 'off' });
  await cadenceSkip(off.loaded, 'post-ip', { now: T0 });
  t.is(await cadenceSkip(off.loaded, 'post-ip', { now: T0 + MINUTE }), undefined);
});

test('pimesh post-ip under cron: a job run a minute ago prints one skip line and exits 0', async (t) => {
  const { cwd } = node();
  const path = join(cwd, 'data', 'cadence', 'post-ip.last');
  writeReading(cwd, '0.95', '7');
  mkdirSync(join(cwd, 'data', 'cadence'), { recursive: true });
  writeFileSync(path, JSON.stringify({ lastRun: new Date(Date.now() - MINUTE).toISOString() }));
  const run = await runCli(['post-ip'], { PIMESH_SCHEDULE: 'off', PIMESH_MDNS: 'off' }, cwd);
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, '');
  const lines = run.stdout.trimEnd().split('\n');
  t.is(lines.length, 1);
  t.regex(lines[0], /^post-ip skipped: not due until .* \(last run 1 min ago; every 10 min: battery 95 %/);
  t.regex(lines[0], /--force runs it now$/);
});

test('pimesh post-ip --force goes past the cadence to the job itself, and stamps it', async (t) => {
  const { cwd, stamp } = node();
  mkdirSync(join(cwd, 'data', 'cadence'), { recursive: true });
  const before = new Date(Date.now() - MINUTE).toISOString();
  writeFileSync(join(cwd, 'data', 'cadence', 'post-ip.last'), JSON.stringify({ lastRun: before }));
  // Port 1: no daemon answers, so --standalone runs the round here, which needs a network key.
  const env = { PIMESH_SCHEDULE: 'off', PIMESH_MDNS: 'off', PIMESH_PORT: '1' };
  const run = await runCli(['post-ip', '--force', '--standalone'], env, cwd);
  t.notRegex(run.stdout, /skipped/);
  t.regex(run.stderr, /ERR_NO_NETWORK_KEY/, 'the job ran (and failed for want of a key)');
  t.true(Date.parse(stamp().lastRun) > Date.parse(before));
});
