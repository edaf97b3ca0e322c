/**
 * The SQLite store's inbox (sqlite-inbox.ts): MQTT's batches are answered once durable (the inbox's
 * journal) and merged a moment later by a worker thread. What was answered survives a kill -9 before
 * the merge, is stored once at the next open (a line torn by the crash skipped, a line left in both
 * journal files stored once), and its delivery keys still refuse a redelivery.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import test, { type ExecutionContext } from 'ava';
import { prepareDetectionsSchema } from '../../../src/ingest/detections/sqlite-schema.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { until } from '../../helpers/until.js';
import { hash, sqliteBackend, startDetections, tempDir } from './harness.js';

const CHILD = new URL('../../helpers/detections-inbox-child.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const BATCHES = 50;

/** A real failure of the worker's transactions: the file refuses new detections until `allow()`. */
function refuseInserts(t: ExecutionContext, dir: string): () => void {
  const raw = openSqlite(`${dir}/detections.db`);
  t.teardown(() => raw.close());
  raw.exec(
    "CREATE TRIGGER refuse BEFORE INSERT ON detections BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
  );
  return () => raw.exec('DROP TRIGGER refuse');
}

test('batches answered and then killed (kill -9) before their merge are stored at the next open, once', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, ['--import', TSX, CHILD], {
    env: { ...process.env, DETECTIONS_DIR: dir, BATCHES: String(BATCHES) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const [, signal] = await once(child, 'exit');
  t.is(signal, 'SIGKILL');
  t.deepEqual(JSON.parse(lines[0]), { answered: BATCHES });

  const db = `${dir}/detections.db`;
  const journal = readFileSync(`${db}-inbox-a`, 'utf8').split('\n').filter(Boolean);
  t.is(journal.length, BATCHES, 'the kill came before the merge: every batch is in the journal');
  const raw = openSqlite(db);
  const stored = raw.prepare('SELECT count(*) AS n FROM detections').get();
  raw.close();
  t.like(stored, { n: 0 });
  // A merge whose clear was lost leaves a line in both files; a write cut short leaves half a line.
  appendFileSync(`${db}-inbox-b`, `${journal[0]}\n`);
  appendFileSync(`${db}-inbox-a`, journal[1].slice(0, 40));

  const s = await startDetections(t, sqliteBackend, { dir, config: { timezone: 'UTC' } });
  const rows = await s.detections.store.rows({ from: 0, to: Number.MAX_SAFE_INTEGER }, undefined, 1000);
  t.is(rows.length, BATCHES * 3);
  t.is(new Set(rows.map((r) => r.device_hash)).size, BATCHES * 3, 'each detection once');
  const byId = [...rows].sort((a, b) => a.id - b.id);
  t.true(
    byId.every((r, i) => i === 0 || r.us >= byId[i - 1].us),
    'a merge puts rows in by time',
  );
  const redelivered = await s.detections.ingest(
    { device_id: 'rpi-0', detections: [{ device_hash: 'a'.repeat(64), rssi: -40 }] },
    { via: 'mqtt', deliveryKey: 'key-0' },
  );
  t.like(redelivered, { count: 0, duplicate: true });
  t.is(readFileSync(`${db}-inbox-a`, 'utf8'), '', 'the journal is cleared once merged');
});

test('a queued batch is readable by the very next read, and announced once it is', async (t) => {
  const s = await startDetections(t, sqliteBackend);
  const announced: number[] = [];
  s.detections.onStored((event) => {
    announced.push(event.count);
  });
  const batch = { device_id: 'rpi-9', detections: [{ device_hash: 'b'.repeat(64), rssi: -55 }] };
  const result = await s.detections.ingest(batch, { via: 'mqtt', deliveryKey: 'k' });
  t.like(result, { count: 1, duplicate: false });
  t.deepEqual(announced, [], 'answered (durable) before it is merged and announced');
  t.is((await s.get('/api/v1/detections/recent')).body.length, 1);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(announced, [1]);
});

test('batches an earlier version left in its inbox table are stored at open, and the table is dropped', async (t) => {
  const dir = tempDir(t);
  const raw = openSqlite(`${dir}/detections.db`);
  prepareDetectionsSchema(raw);
  raw.exec(
    'CREATE TABLE detection_inbox (id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, name TEXT, location TEXT, ' +
      'update_info INTEGER NOT NULL, received_at INTEGER NOT NULL, detections TEXT NOT NULL)',
  );
  const us = Date.now() * 1000;
  raw
    .prepare(
      'INSERT INTO detection_inbox (device_id, name, location, update_info, received_at, detections) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(
      'rpi-7',
      'Door',
      null,
      1,
      us,
      JSON.stringify([
        [hash(1), -50, us - 2000],
        [hash(2), -80, us - 1000],
      ]),
    );
  raw.close();

  const s = await startDetections(t, sqliteBackend, { dir, config: { timezone: 'UTC' } });
  const rows = await s.detections.store.rows({ from: 0, to: Number.MAX_SAFE_INTEGER }, undefined, 10);
  t.deepEqual(rows.map((r) => [r.device_hash, r.zone]).sort(), [
    [hash(1), 'NEAR'],
    [hash(2), 'FAR'],
  ]);
  t.like((await s.get('/api/v1/devices/rpi-7')).body, { name: 'Door' });
  const check = openSqlite(`${dir}/detections.db`);
  t.is(check.prepare("SELECT name FROM sqlite_master WHERE name = 'detection_inbox'").get(), undefined);
  check.close();
});

test('a merge that fails keeps its batches: reads still answer, and a later merge stores each once', async (t) => {
  const dir = tempDir(t);
  const s = await startDetections(t, sqliteBackend, { dir, config: { timezone: 'UTC' } });
  const allow = refuseInserts(t, dir);
  for (const n of [1, 2, 3]) {
    const batch = { device_id: 'rpi-3', detections: [{ device_hash: hash(n), rssi: -50 }] };
    t.like(await s.detections.ingest(batch, { via: 'mqtt', deliveryKey: `key-${n}` }), { count: 1 });
  }
  t.deepEqual(
    (await s.get('/api/v1/detections/recent')).body,
    [],
    'the merge failed: nothing is readable yet',
  );
  const again = await s.detections.ingest(
    { device_id: 'rpi-3', detections: [{ device_hash: hash(1), rssi: -50 }] },
    { via: 'mqtt', deliveryKey: 'key-1' },
  );
  t.like(again, { duplicate: true }, 'a redelivery of a batch still waiting is a duplicate');
  allow();
  // The batches may sit in both journal files, and a merge begun before allow() still fails: reads
  // answer what is stored meanwhile, and the next merges store the rest.
  const rows = await until('the batches merged', async () => {
    const body = (await s.get('/api/v1/detections/recent')).body as unknown[];
    return body.length >= 3 ? body : undefined;
  });
  t.is(rows.length, 3);
});

test('while merges fail, the inbox refuses batches (503) once its journal file holds 16 MiB, and stores every one it answered', async (t) => {
  const dir = tempDir(t);
  const s = await startDetections(t, sqliteBackend, { dir, config: { timezone: 'UTC' } });
  const allow = refuseInserts(t, dir);
  // About the largest batch a 256 KiB MQTT payload holds: 2,000 detections, some 180 kB of journal.
  const detections = Array.from({ length: 2000 }, (_, i) => ({ device_hash: hash(i), rssi: -40 - (i % 50) }));
  let answered = 0;
  let refused: unknown;
  while (answered < 200 && refused === undefined) {
    try {
      await s.detections.ingest(
        { device_id: 'rpi-big', detections },
        { via: 'mqtt', deliveryKey: `big-${answered}` },
      );
      answered++;
    } catch (error) {
      refused = error;
    }
  }
  t.like(refused, { code: 'ERR_DETECTIONS_UNAVAILABLE', status: 503 });
  for (const file of ['a', 'b']) {
    const size = statSync(`${dir}/detections.db-inbox-${file}`).size;
    t.true(size <= 16 * 1024 * 1024 + 256 * 1024, `journal ${file}: ${size} bytes when the inbox refused`);
  }
  allow();
  const stored = async () => {
    const body = (await s.get('/api/v1/statistics/realtime?minutes=60')).body;
    const zones = Object.values(body.by_zone) as { total_detections: number }[];
    return zones.reduce((sum, z) => sum + z.total_detections, 0);
  };
  // A merge under way when the file gave in may still fail: reads answer what is stored meanwhile.
  await until('every answered batch stored', async () =>
    (await stored()) === answered * 2000 ? true : undefined,
  );
  t.is(await stored(), answered * 2000);
});
