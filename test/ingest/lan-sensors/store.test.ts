/**
 * The history: every frame with its receipt time, batched commits, a bounded queue when the disk
 * refuses writes, and retention by age and by row count, on the real SQLite file.
 */
import test from 'ava';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { board, durable, query, startSensors } from '../../helpers/lan-sensors.js';
import { until } from '../../helpers/until.js';

const DAY = 86_400;
const frames = (n: number, type = 1) =>
  Array.from({ length: n }, (_, i) => [1, i % 21, type, i % 256]).flat();

test('every frame is a history row with its receipt time, key, type, value and status', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const before = Date.now() / 1000;
  await board(t, port).send(1, 3, 1, 150, 1, 3, 1, 170, 1, 3, 1, 210);
  await durable(sensors, 3);
  const rows = query(dbPath, 'SELECT time, ip_id, sensor, value, status FROM sensors_history ORDER BY rowid');
  t.deepEqual(
    rows.map((r) => [r.ip_id, r.sensor, r.value, r.status]),
    [
      ['127.0.0.1_3', 'SMOKE', 150, 'normal'],
      ['127.0.0.1_3', 'SMOKE', 170, 'warning'],
      ['127.0.0.1_3', 'SMOKE', 210, 'critical'],
    ],
  );
  for (const row of rows) t.true((row.time as number) >= before - 0.001);
  t.like(query(dbPath, 'SELECT value, status FROM sensors')[0], { value: 210, status: 'critical' });
  t.true(
    query(dbPath, "SELECT name FROM sqlite_master WHERE type = 'index'").some(
      (i) => i.name === 'sensors_history_time',
    ),
  );
});

test('a full batch is committed in the same read that filled it, without waiting for the timer', async (t) => {
  const { sensors, port } = await startSensors(t, { flushMs: 1000, batchSize: 10 });
  await board(t, port).send(...frames(25));
  await until('25 frames received', () => sensors.counters().listener?.frames === 25);
  t.true(sensors.counters().store.stored >= 20);
  await durable(sensors, 25);
  const { durable: latency, commits } = sensors.counters().store;
  t.is(latency.count, 25);
  t.true(commits >= 3);
});

test('while the disk refuses commits, frames wait in a bounded queue; past it they are dropped and counted', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { flushMs: 50, batchSize: 10, maxQueued: 20 });
  const other = openSqlite(dbPath);
  t.teardown(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  await board(t, port).send(...frames(30));
  await until('30 frames received', () => sensors.counters().listener?.frames === 30);
  await until('a refused commit', () => sensors.counters().store.failedCommits > 0);
  const refused = sensors.counters().store;
  t.is(refused.stored, 0);
  t.is(refused.queued, 20);
  t.is(refused.dropped, 10);
  t.regex(refused.lastError ?? '', /locked|busy/i);
  other.exec('COMMIT');
  await durable(sensors, 20);
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors_history')[0].n, 20);
  t.is(sensors.counters().store.queued, 0);
});

/** Writes `n` history rows `ageDays` old straight into the file, as an older pimesh would have. */
function oldRows(dbPath: string, n: number, ageDays: number): void {
  const db = openSqlite(dbPath);
  const time = Date.now() / 1000 - ageDays * DAY;
  db.exec('BEGIN');
  const insert = db.prepare('INSERT INTO sensors_history VALUES (?, ?, ?, ?, ?)');
  for (let i = 0; i < n; i++) insert.run(time + i / 1000, `10.0.0.9_${i % 21}`, 'FIRE', 1, 'normal');
  db.exec('COMMIT');
  db.close();
}

test('retention deletes history older than retentionDays, a few thousand rows at a time', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { retentionDays: 30 });
  oldRows(dbPath, 12_000, 31);
  oldRows(dbPath, 5, 29);
  await board(t, port).send(...frames(3));
  await durable(sensors, 3);
  t.is(await sensors.store.prune(), 12_000);
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors_history')[0].n, 8);
  t.is(sensors.counters().store.pruned, 12_000);
  t.is(await sensors.store.prune(), 0);
});

test('retention keeps at most maxHistoryRows, deleting the oldest', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { maxHistoryRows: 1000 });
  oldRows(dbPath, 2500, 2);
  await board(t, port).send(...frames(10));
  await durable(sensors, 10);
  t.is(await sensors.store.prune(), 1510);
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors_history')[0].n, 1000);
  t.is(query(dbPath, "SELECT count(*) AS n FROM sensors_history WHERE ip_id LIKE '127.0.0.1_%'")[0].n, 10);
});
