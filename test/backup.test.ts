/**
 * `pimesh backup` and `pimesh restore` round trip on a node's real layout: the config file and its env
 * file, local.json, the lists, the readings and the keys, contents and modes as they were.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { runCli, startPimesh, tempCwd } from './helpers/pimesh-process.js';

/** A node's files: what a backup must hold, with the modes they must keep. */
function layout(cwd: string) {
  const files: Record<string, [string, number]> = {
    'pimesh.config.json': ['{"localJson": "local.json"}\n', 0o640],
    env: ['PIMESH_NETWORK_KEY=secret-key\n', 0o600],
    'local.json': ['{"name": "Backed Up"}\n', 0o644],
    'peers/deviceList.json': ['[]\n', 0o644],
    'data/charge-controller/tracerData2026-11-28.csv': [
      'datetime,PV voltage\n2026-11-28 12:00:00.0,13.2\n',
      0o644,
    ],
    'data/API.keys': ['[keys]\nweather = abc\n', 0o600],
  };
  for (const [path, [text, mode]] of Object.entries(files)) {
    mkdirSync(join(cwd, path, '..'), { recursive: true });
    writeFileSync(join(cwd, path), text);
    chmodSync(join(cwd, path), mode);
  }
  return files;
}

const ENV = { PIMESH_MDNS: 'off', PIMESH_SCHEDULE: 'off', PIMESH_HOST: '127.0.0.254', PIMESH_PORT: '47996' };

test('a backup restored after everything was deleted gives back every file, content and mode', async (t) => {
  const cwd = tempCwd();
  const files = layout(cwd);
  const archive = join(tempCwd(), 'node.tar.gz');
  const made = await runCli(['backup', '--output', archive], ENV, cwd);
  t.is(made.code, 0, made.stderr);
  t.is(made.stdout.trim(), archive);
  t.is(statSync(archive).mode & 0o777, 0o600, 'the archive holds keys: only its owner reads it');
  const members = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n');
  t.is(members[0], 'pimesh-backup.json');

  for (const name of ['pimesh.config.json', 'env', 'local.json', 'peers', 'data'])
    rmSync(join(cwd, name), { recursive: true, force: true });
  const back = await runCli(['restore', archive], ENV, tempCwd());
  t.is(back.code, 0, back.stderr);
  for (const [path, [text, mode]] of Object.entries(files)) {
    t.is(readFileSync(join(cwd, path), 'utf8'), text, path);
    t.is(statSync(join(cwd, path)).mode & 0o777, mode, `${path} mode`);
  }
});

test('restore refuses a file that is not a pimesh backup, and writes nothing', async (t) => {
  const dir = tempCwd();
  writeFileSync(join(dir, 'x'), 'x');
  const archive = join(dir, 'other.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', dir, 'x']);
  const r = await runCli(['restore', archive], ENV, tempCwd());
  t.is(r.code, 1);
  t.regex(r.stderr, /is not a pimesh backup \(no pimesh-backup\.json in it\)/);
});

test('restore refuses while the daemon runs, unless --force', async (t) => {
  const cwd = tempCwd();
  layout(cwd);
  const archive = join(tempCwd(), 'node.tar.gz');
  t.is((await runCli(['backup', '-o', archive], ENV, cwd)).code, 0);
  const node = await startPimesh({ PIMESH_MDNS: 'off', PIMESH_SCHEDULE: 'off' }, tempCwd());
  t.teardown(() => node.stop());
  const env = { ...ENV, PIMESH_HOST: '127.0.0.1', PIMESH_PORT: String(node.port) };
  const r = await runCli(['restore', archive], env, tempCwd());
  t.is(r.code, 1);
  t.regex(r.stderr, /the daemon is running: stop it first/);
  t.is((await runCli(['restore', archive, '--force'], env, tempCwd())).code, 0);
});

test('restore needs exactly one file', async (t) => {
  const r = await runCli(['restore'], ENV);
  t.is(r.code, 2);
  t.is(r.stderr, 'pimesh: restore: name one backup file (see pimesh restore --help)\n');
});
