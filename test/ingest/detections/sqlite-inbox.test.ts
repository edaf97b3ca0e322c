/**
 * The SQLite store's inbox (sqlite-inbox.ts): MQTT's batches are answered once durable and merged a
 * moment later. What was answered survives a kill -9 before the merge, is stored once at the next
 * open, and its delivery keys still refuse a redelivery.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import test from 'ava';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { sqliteBackend, startDetections, tempDir } from './harness.js';

const CHILD = new URL('../../helpers/detections-inbox-child.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const BATCHES = 50;

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

  const raw = openSqlite(`${dir}/detections.db`);
  const waiting = raw.prepare('SELECT count(*) AS n FROM detection_inbox').get();
  const stored = raw.prepare('SELECT count(*) AS n FROM detections').get();
  raw.close();
  t.like(waiting, { n: BATCHES }, 'the kill came before the merge: every batch is still in the inbox');
  t.like(stored, { n: 0 });

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
