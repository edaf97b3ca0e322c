/**
 * Checklist C (poe-backend), items 10-12: the simulator (POE-TERM's `t` and the Arduino's pattern) and
 * the database file, created when missing and used as is when it exists.
 */
import test from 'ava';
import { LanSensors, simulateBoards } from '../../../src/ingest/lan-sensors/index.js';
import { arduinoType } from '../../../src/ingest/lan-sensors/simulate.js';
import { silentLogger } from '../../../src/log.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { Board, durable, query, startSensors, tempDb } from '../../helpers/lan-sensors.js';
import { until } from '../../helpers/until.js';

test('C.10: simulate -c 2 -p 3 (POE-TERM) leaves 127.0.0.1_255 at FIRE 1 after six frames', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const result = await simulateBoards({
    port,
    boards: 2,
    passes: 3,
    pattern: 'poe-term',
    distinctAddresses: false,
  });
  t.deepEqual(result, { boards: 2, frames: 6, failures: [] });
  await durable(sensors, 6);
  t.deepEqual(query(dbPath, 'SELECT ip_id, sensor, value, status FROM sensors'), [
    { ip_id: '127.0.0.1_255', sensor: 'FIRE', value: 1, status: 'normal' },
  ]);
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors_history')[0].n, 6);
});

test('C.10: boards that run on are listed as connections, and leave the list when they stop', async (t) => {
  const { sensors, port } = await startSensors(t);
  const stop = new AbortController();
  const run = simulateBoards({ port, boards: 2, passes: -1, intervalSeconds: 0.05, signal: stop.signal });
  await until('two boards connected', () => sensors.connections().length === 2);
  await until('both boards sending', () => sensors.connections().every((c) => c.frames >= 21));
  const listed = sensors.connections();
  t.deepEqual(listed.map((c) => c.address).sort(), ['127.0.0.1', '127.0.0.2']);
  for (const c of listed) {
    t.true(c.lastSeenAt !== null && c.lastSeenAt >= c.connectedAt);
    t.true(c.bytes - c.frames * 4 >= 0 && c.bytes - c.frames * 4 < 4);
  }
  stop.abort();
  t.is((await run).failures.length, 0);
  await until('the boards to leave the list', () => sensors.connections().length === 0);
});

test('C.11: a missing file is created with the table of C.1 (HEAD columns)', async (t) => {
  const { dbPath } = await startSensors(t);
  const [table] = query(dbPath, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sensors'");
  t.is(
    table.sql,
    'CREATE TABLE "sensors" (ip_id TEXT PRIMARY KEY NOT NULL, sensor TEXT NOT NULL, ' +
      'value INTEGER NOT NULL, time REAL NOT NULL, status TEXT NOT NULL)',
  );
  t.deepEqual(query(dbPath, 'PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
});

test("C.11: an existing file is used as is: the README's table without status, its rows and other tables kept", async (t) => {
  const dbPath = tempDb(t, 'database.db');
  const readme =
    'CREATE TABLE sensors(ip_id TEXT PRIMARY KEY NOT NULL, sensor TEXT NOT NULL, value INTEGER NOT NULL, time REAL NOT NULL)';
  const db = openSqlite(dbPath);
  db.exec(readme);
  db.exec('CREATE TABLE django_session (session_key TEXT PRIMARY KEY, session_data TEXT)');
  db.exec("INSERT INTO sensors VALUES ('10.89.21.188_3', 'FIRE', 0, 1669400000.5)");
  db.exec("INSERT INTO django_session VALUES ('k', 'v')");
  db.close();

  const { sensors, port } = await startSensors(t, { dbPath });
  const b = new Board(port);
  await b.send(1, 4, 1, 170);
  await durable(sensors, 1);
  await b.close();
  t.is(query(dbPath, "SELECT sql FROM sqlite_master WHERE name = 'sensors'")[0].sql, readme);
  t.deepEqual(query(dbPath, 'SELECT * FROM sensors ORDER BY ip_id'), [
    { ip_id: '10.89.21.188_3', sensor: 'FIRE', value: 0, time: 1669400000.5 },
    {
      ip_id: '127.0.0.1_4',
      sensor: 'SMOKE',
      value: 170,
      time: query(dbPath, 'SELECT time FROM sensors_history')[0].time,
    },
  ]);
  t.deepEqual(query(dbPath, 'SELECT * FROM django_session'), [{ session_key: 'k', session_data: 'v' }]);
  // The API computes the status the HEAD would have stored.
  t.deepEqual(
    sensors.latest().map((r) => [r.ip_id, r.status]),
    [
      ['10.89.21.188_3', 'critical'],
      ['127.0.0.1_4', 'warning'],
    ],
  );
});

test('an existing table without a column poe-backend writes is refused at start, naming it', async (t) => {
  const dbPath = tempDb(t);
  const db = openSqlite(dbPath);
  db.exec('CREATE TABLE sensors (ip_id TEXT PRIMARY KEY, reading INTEGER)');
  db.close();
  const sensors = new LanSensors({ dbPath, log: silentLogger() });
  const error = await t.throwsAsync(() => sensors.start());
  t.is((error as { code?: string }).code, 'ERR_SENSORS_TABLE');
  t.regex(error?.message ?? '', /sensor, value, time/);
});

test("C.12: one Arduino board's pass is 21 rows keyed <board-ip>_0..20 with the types of C.3", async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const result = await simulateBoards({ port, boards: 1, passes: 2 });
  t.is(result.frames, 42);
  await durable(sensors, 42);
  const rows = query(dbPath, 'SELECT ip_id, sensor FROM sensors ORDER BY CAST(substr(ip_id, 11) AS INTEGER)');
  const types = ['FIRE', 'SMOKE', 'MOTION', 'HUMIDITY', 'TEMPERATURE', 'WATER'];
  t.deepEqual(
    rows,
    Array.from({ length: 21 }, (_, i) => ({ ip_id: `127.0.0.1_${i}`, sensor: types[arduinoType(i)] })),
  );
  t.deepEqual(
    rows.map((r) => r.sensor),
    [
      ...Array(8).fill('FIRE'),
      ...Array(8).fill('SMOKE'),
      'MOTION',
      'HUMIDITY',
      'TEMPERATURE',
      'TEMPERATURE',
      'WATER',
    ],
  );
});
