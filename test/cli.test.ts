import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { TRACER_HEADER_LINE } from '../src/readings/tracer-csv.js';
import { REAL_DIR, SIMULATED_DIR } from '../src/readings/tracer-dir.js';
import { runCli, startPimesh, tempCwd } from './helpers/pimesh-process.js';
import { until } from './helpers/until.js';

test('with no configuration, serve runs a node with a simulated charge controller, clearly marked', async (t) => {
  const node = await startPimesh();
  try {
    const status = (await (await fetch(node.url('/api/status'))).json()) as {
      chargeController: { source: string; simulated: boolean };
    };
    t.is(status.chargeController.source, 'simulator');
    t.true(status.chargeController.simulated);
    // The first sample is taken at start-up, soon after the node listens.
    const voltage = () =>
      fetch(node.url('/api/v1/chargecontroller.php?value=PV-voltage')).then((r) => r.text());
    const body = await until('the first sample', voltage);
    t.regex(body, /^\d+\.\d+$/);
    const files = readdirSync(join(node.cwd, 'data', SIMULATED_DIR));
    t.is(files.length, 1);
    t.true(
      readFileSync(join(node.cwd, 'data', SIMULATED_DIR, files[0]), 'utf8').startsWith(TRACER_HEADER_LINE),
    );
    t.regex(node.logs(), /SIMULATED/);
    const home = await (await fetch(node.url('/'))).text();
    t.regex(home, /SIMULATED/);
  } finally {
    t.is(await node.stop(), 0, 'SIGTERM stops it cleanly');
  }
});

test('PIMESH_SCHEDULE=off only serves; log-sample asks the running daemon for one sample', async (t) => {
  const node = await startPimesh({ PIMESH_SCHEDULE: 'off' });
  try {
    // Start-up ends with the scheduling, which says it schedules nothing.
    await until('start-up to end', () => node.logs().includes('PIMESH_SCHEDULE=off: no in-process jobs'));
    t.false(existsSync(join(node.cwd, 'data', SIMULATED_DIR)), 'no job ran');
    const run = await runCli(['log-sample'], { PIMESH_PORT: String(node.port) }, node.cwd);
    t.is(run.code, 0, run.stderr);
    t.true(JSON.parse(run.stdout).simulated);
    const dir = join(node.cwd, 'data', SIMULATED_DIR);
    const [file] = readdirSync(dir);
    t.is(readFileSync(join(dir, file), 'utf8').trimEnd().split('\n').length, 2);
  } finally {
    await node.stop();
  }
});

test('simulated samples stay apart from real ones and are never served once a real controller is set', async (t) => {
  const sim = await startPimesh({ PIMESH_SCHEDULE: 'off' });
  let cwd: string;
  try {
    cwd = sim.cwd;
    const run = await runCli(['log-sample'], { PIMESH_PORT: String(sim.port) }, cwd);
    t.is(run.code, 0, run.stderr);
    t.true(existsSync(join(cwd, 'data', SIMULATED_DIR)));
    t.false(existsSync(join(cwd, 'data', REAL_DIR)), 'nothing simulated in the real directory');
    t.regex(
      await (await fetch(sim.url('/api/v1/chargecontroller.php?value=PV-voltage'))).text(),
      /^\d+\.\d+$/,
    );
  } finally {
    await sim.stop();
  }
  // The same data directory with a controller that gives nothing yet: the simulated rows are not its readings.
  const real = await startPimesh({ PIMESH_SCHEDULE: 'off', PIMESH_CHARGE_CONTROLLER: 'none' }, cwd);
  try {
    t.is(await (await fetch(real.url('/api/v1/chargecontroller.php?value=PV-voltage'))).text(), '');
    const status = (await (await fetch(real.url('/api/status'))).json()) as {
      chargeController: { simulated: boolean };
    };
    t.false(status.chargeController.simulated);
  } finally {
    await real.stop();
  }
});

test('a bad configuration lists every problem and exits 78 (EX_CONFIG)', async (t) => {
  const run = await runCli(['serve'], {
    PIMESH_PORT: 'eighty',
    PIMESH_MAC: 'nope',
    PIMESH_CHARGE_CONTROLLER: 'usb0',
  });
  t.is(run.code, 78);
  t.regex(run.stderr, /http\.port \(PIMESH_PORT\)/);
  t.regex(run.stderr, /identity\.mac \(PIMESH_MAC\)/);
  t.regex(run.stderr, /chargeController\.source \(PIMESH_CHARGE_CONTROLLER\)/);
});

test('log-sample without a daemon fails with a clear message instead of becoming a second node', async (t) => {
  // Nothing listens on 127.0.0.254 (other tests' daemons are on 127.0.0.1): no daemon to ask.
  const env = { PIMESH_HOST: '127.0.0.254', PIMESH_PORT: '47999', PIMESH_CHARGE_CONTROLLER: 'sim' };
  const cwd = tempCwd();
  const run = await runCli(['log-sample'], env, cwd);
  t.is(run.code, 1);
  t.is(
    run.stderr.trim(),
    'pimesh: no daemon answers on http://127.0.0.254:47999 to run log-sample: start it (systemctl start pimesh), ' +
      'or run the job in this process with --standalone (ERR_NO_DAEMON)',
  );
  t.false(existsSync(join(cwd, 'data')), 'nothing was written');
});

test('log-sample --standalone without a daemon and without hardware fails with the device reason', async (t) => {
  const run = await runCli(['log-sample', '--standalone'], {
    PIMESH_HOST: '127.0.0.254',
    PIMESH_PORT: '47999',
    PIMESH_CHARGE_CONTROLLER: '/dev/ttyNOPE0',
  });
  t.is(run.code, 1);
  t.regex(run.stderr, /\/dev\/ttyNOPE0 unavailable/);
});

test('config prints the effective configuration with secrets hidden', async (t) => {
  const run = await runCli(['config'], { PIMESH_NETWORK_KEY: 'sekrit-network-key' });
  t.is(run.code, 0);
  t.false(run.stdout.includes('sekrit'));
  t.is(JSON.parse(run.stdout).network.key, '(hidden)');
});
