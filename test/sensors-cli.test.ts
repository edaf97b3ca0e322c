/**
 * The LAN sensor listener inside a real `pimesh serve`, driven by the POE-TERM equivalents:
 * `pimesh sensors simulate` sends the Arduino's 21 frames from fake boards, `list` shows them
 * through the daemon (and from the database alone once it stopped), and the HTTP API agrees.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { freePort } from './helpers/named.js';
import { runCli, startPimesh, tempCwd } from './helpers/pimesh-process.js';
import { until } from './helpers/until.js';

test('simulated boards land in the daemon: list, connections and the API show them; list works without the daemon too', async (t) => {
  const cwd = tempCwd();
  const sensorsPort = await freePort();
  const env = {
    PIMESH_SENSORS_PORT: String(sensorsPort),
    PIMESH_SCHEDULE: 'off',
    PIMESH_DATA_DIR: join(cwd, 'data'),
  };
  const node = await startPimesh(env, cwd);
  const cliEnv = { ...env, PIMESH_PORT: String(node.port), PIMESH_HOST: '127.0.0.1' };

  const sent = await runCli(['sensors', 'simulate', '-c', '2', '-p', '3'], cliEnv, cwd);
  t.is(sent.code, 0, sent.stderr);
  t.regex(sent.stdout, new RegExp(`^2 board\\(s\\) sent 126 frames to 127\\.0\\.0\\.1:${sensorsPort}`));

  // The daemon commits within a second: wait for the API to show all 42 sensors.
  type Row = { ip_id: string; sensor: string };
  const latest = async () =>
    ((await (await fetch(node.url('/api/sensors/latest'))).json()) as { readings: Row[] }).readings;
  const readings = await until('42 sensors in /api/sensors/latest', async () => {
    const rows = await latest();
    return rows.length === 42 ? rows : undefined;
  });
  t.is(readings.length, 42, '21 sensors on each of two boards');
  t.deepEqual(
    readings
      .filter((r) => r.ip_id.endsWith('_0') || r.ip_id.endsWith('_20'))
      .map((r) => `${r.ip_id} ${r.sensor}`),
    ['127.0.0.1_0 FIRE', '127.0.0.1_20 WATER', '127.0.0.2_0 FIRE', '127.0.0.2_20 WATER'],
  );

  const listed = await runCli(['sensors', 'list'], cliEnv, cwd);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /^ip_id\s+sensor\s+value\s+status\s+at$/m);
  t.regex(listed.stdout, /^127\.0\.0\.2_17\s+HUMIDITY\s+\d+\s+(normal|critical)\s+\d{4}-/m);

  const connections = await runCli(['sensors', 'connections'], cliEnv, cwd);
  t.is(connections.code, 0, connections.stderr);

  t.is(await node.stop(), 0);
  t.true(existsSync(join(cwd, 'data', 'sensors.db')));
  const offline = await runCli(['sensors', 'list'], cliEnv, cwd);
  t.is(offline.code, 0, offline.stderr);
  t.is(offline.stdout.trim().split('\n').length, 43, 'the header and 42 rows, read from the file');
});

test('sensors commands: help, an unknown command and a bad count say what is wrong', async (t) => {
  const help = await runCli(['sensors', '--help'], {});
  t.is(help.code, 0);
  t.regex(help.stdout, /simulate \[-c N\] \[-p N\] \[-t S\]/);
  const unknown = await runCli(['sensors', 'frobnicate'], {});
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command "frobnicate"/);
  const bad = await runCli(['sensors', 'simulate', '-c', 'zero'], {});
  t.is(bad.code, 1);
  t.regex(bad.stderr, /-c must be a whole number of at least 1, not "zero"/);
});
