import { chmod, mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DeviceListFile } from '../../src/mesh/device-list.js';
import { KeysFile } from '../../src/pi-backend/keys-file.js';
import { appendLine } from '../../src/readings/append-line.js';
import { AtomicJsonFile, removeStaleTemps, writeFileAtomic } from '../../src/util/atomic-file.js';

const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
const dir = () => mkdtemp(join(tmpdir(), 'pimesh-atomic-'));

/** Runs `fn` under `mask` (the daemon may be started with any umask). */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

for (const mask of [0o077, 0o000, 0o022]) {
  test.serial(
    `with umask ${mask.toString(8).padStart(3, '0')}, lists and data are 0644, keys 0600`,
    async (t) => {
      const d = await dir();
      await withUmask(mask, async () => {
        const list = new DeviceListFile({ dir: d });
        await list.update(() => []);
        await appendLine(join(d, 'tracerData2026-11-28.csv'), 'row', 'header');
        await appendLine(join(d, 'poe.log'), 'INFO:root:2026-11-28 10:00:00.000000');
        await new AtomicJsonFile(join(d, 'election.json')).write({ holder: null });
        await new KeysFile(join(d, 'API.keys')).set('GEMINI_API_KEY', 'value');
      });
      t.is(await modeOf(join(d, 'deviceList.json')), '644');
      t.is(await modeOf(join(d, 'tracerData2026-11-28.csv')), '644');
      t.is(await modeOf(join(d, 'poe.log')), '644');
      t.is(await modeOf(join(d, 'election.json')), '644');
      t.is(await modeOf(join(d, 'API.keys')), '600');
    },
  );
}

test('a list keeps the mode a steward gave it; a secret is always written 0600', async (t) => {
  const d = await dir();
  await writeFile(join(d, 'list.json'), '[]');
  await chmod(join(d, 'list.json'), 0o664);
  await writeFileAtomic(join(d, 'list.json'), '[1]', { mode: 0o644, keepMode: true });
  t.is(await modeOf(join(d, 'list.json')), '664');
  await writeFile(join(d, 'secret'), 'x', { mode: 0o644 });
  await writeFileAtomic(join(d, 'secret'), 'y', { mode: 0o600 });
  t.is(await modeOf(join(d, 'secret')), '600');
  t.is(await readFile(join(d, 'secret'), 'utf8'), 'y');
});

test('temp files a crash left behind are removed at start-up; a fresh one (a write in progress) is kept', async (t) => {
  const d = await dir();
  const list = join(d, 'deviceList.json');
  const old = Date.now() / 1000 - 3600;
  for (const name of [
    'deviceList.json.1234567890',
    '.deviceList.json.4242.ab12cd34.tmp',
    'peer-state.json.99',
  ]) {
    await writeFile(join(d, name), 'partial');
    await utimes(join(d, name), old, old);
  }
  await writeFile(join(d, 'deviceList.json.7'), 'a write going on right now');
  await writeFile(join(d, 'deviceList.json.bak'), 'not a temp file');
  const removed = await removeStaleTemps(list);
  t.deepEqual(removed.map((p) => p.slice(d.length + 1)).sort(), [
    '.deviceList.json.4242.ab12cd34.tmp',
    'deviceList.json.1234567890',
  ]);
  t.deepEqual((await readdir(d)).sort(), ['deviceList.json.7', 'deviceList.json.bak', 'peer-state.json.99']);
});

test('the device list removes stale temps when it is first read', async (t) => {
  const d = await dir();
  await writeFile(join(d, 'deviceList.json'), '[]');
  await writeFile(join(d, 'deviceList.json.31337'), '[{"mac":');
  const old = Date.now() / 1000 - 60;
  await utimes(join(d, 'deviceList.json.31337'), old, old);
  await new DeviceListFile({ dir: d }).load();
  t.deepEqual(await readdir(d), ['deviceList.json']);
});
