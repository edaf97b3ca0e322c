/**
 * The JSON routes under /api/sensors: latest readings, history (raw and downsampled, bounded),
 * connections and counters, and the 400s that name the parameter.
 */
import test from 'ava';
import request from 'supertest';
import { lanSensorsRoutes } from '../../../src/http/routes/lan-sensors.js';
import type { LanSensors } from '../../../src/ingest/lan-sensors/index.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { board, durable, startSensors } from '../../helpers/lan-sensors.js';
import { routeApp } from '../../helpers/route-app.js';

const T0 = Date.UTC(2026, 0, 15, 12) / 1000;

/** History rows at T0 + i * 10 s: board 10.0.0.5 id 1 SMOKE (value i), id 2 FIRE (1, 0 at i = 5). */
function seedHistory(dbPath: string, n: number): void {
  const db = openSqlite(dbPath);
  db.exec('BEGIN');
  const insert = db.prepare('INSERT INTO sensors_history VALUES (?, ?, ?, ?, ?)');
  for (let i = 0; i < n; i++) {
    insert.run(T0 + i * 10, '10.0.0.5_1', 'SMOKE', i, 'normal');
    insert.run(T0 + i * 10, '10.0.0.5_2', 'FIRE', i === 5 ? 0 : 1, i === 5 ? 'critical' : 'normal');
  }
  db.exec('COMMIT');
  db.close();
}

function api(sensors: LanSensors | undefined) {
  const app = routeApp((router) => lanSensorsRoutes(router, { sensors, now: () => (T0 + 3600) * 1000 }));
  return (path: string) => request(app.callback()).get(path);
}

async function withReadings(t: Parameters<typeof startSensors>[0]) {
  const { sensors, port, dbPath } = await startSensors(t);
  await board(t, port, '127.0.0.1').send(1, 0, 0, 1, 1, 8, 1, 170, 1, 16, 2, 1);
  await board(t, port, '127.0.0.2').send(1, 8, 1, 20);
  await durable(sensors, 4);
  return { sensors, dbPath, get: api(sensors) };
}

test('GET /api/sensors/latest answers every sensor, or one board, or one type', async (t) => {
  const { get } = await withReadings(t);
  const all = await get('/api/sensors/latest');
  t.is(all.status, 200);
  t.deepEqual(
    all.body.readings.map((r: { ip_id: string; status: string }) => [r.ip_id, r.status]),
    [
      ['127.0.0.1_0', 'normal'],
      ['127.0.0.1_8', 'warning'],
      ['127.0.0.1_16', 'critical'],
      ['127.0.0.2_8', 'normal'],
    ],
  );
  const first = all.body.readings[0];
  t.like(first, { board: '127.0.0.1', id: 0, sensor: 'FIRE', value: 1 });
  t.is(first.at, new Date(first.time * 1000).toISOString());
  const one = await get('/api/sensors/latest?board=127.0.0.2');
  t.deepEqual(
    one.body.readings.map((r: { ip_id: string }) => r.ip_id),
    ['127.0.0.2_8'],
  );
  const smoke = await get('/api/sensors/latest?sensor=smoke');
  t.deepEqual(
    smoke.body.readings.map((r: { ip_id: string }) => r.ip_id),
    ['127.0.0.1_8', '127.0.0.2_8'],
  );
});

test('GET /api/sensors/history answers every reading in [from, to), one series per sensor', async (t) => {
  const { dbPath, get } = await withReadings(t);
  seedHistory(dbPath, 20);
  const from = new Date((T0 + 30) * 1000).toISOString();
  const res = await get(`/api/sensors/history?board=10.0.0.5&from=${from}&to=${T0 + 60}`);
  t.is(res.status, 200);
  t.like(res.body, { from: T0 + 30, to: T0 + 60, step: null });
  t.deepEqual(res.body.series, [
    {
      ip_id: '10.0.0.5_1',
      board: '10.0.0.5',
      id: 1,
      sensor: 'SMOKE',
      points: [3, 4, 5].map((i) => ({ time: T0 + i * 10, value: i, status: 'normal' })),
    },
    {
      ip_id: '10.0.0.5_2',
      board: '10.0.0.5',
      id: 2,
      sensor: 'FIRE',
      points: [
        { time: T0 + 30, value: 1, status: 'normal' },
        { time: T0 + 40, value: 1, status: 'normal' },
        { time: T0 + 50, value: 0, status: 'critical' },
      ],
    },
  ]);
});

test('GET /api/sensors/history?step= answers avg, min, max and count per bucket', async (t) => {
  const { dbPath, get } = await withReadings(t);
  seedHistory(dbPath, 20);
  const res = await get(`/api/sensors/history?sensor=SMOKE&from=${T0}&to=${T0 + 200}&step=1m`);
  t.is(res.status, 200);
  t.is(res.body.step, 60);
  t.deepEqual(res.body.series, [
    {
      ip_id: '10.0.0.5_1',
      board: '10.0.0.5',
      id: 1,
      sensor: 'SMOKE',
      points: [
        { time: T0, avg: 2.5, min: 0, max: 5, count: 6 },
        { time: T0 + 60, avg: 8.5, min: 6, max: 11, count: 6 },
        { time: T0 + 120, avg: 14.5, min: 12, max: 17, count: 6 },
        { time: T0 + 180, avg: 18.5, min: 18, max: 19, count: 2 },
      ],
    },
  ]);
});

test('history without from/to is the last hour', async (t) => {
  const { dbPath, get } = await withReadings(t);
  seedHistory(dbPath, 1);
  const res = await get('/api/sensors/history?step=1h');
  t.like(res.body, { from: T0, to: T0 + 3600, step: 3600 });
  t.is(res.body.series.length, 2);
});

test('an answer over 10,000 points is a 400 that says how to narrow it', async (t) => {
  const { dbPath, get } = await withReadings(t);
  seedHistory(dbPath, 5001);
  const raw = await get(`/api/sensors/history?from=${T0}&to=${T0 + 60_000}`);
  t.is(raw.status, 400);
  t.regex(raw.body.error.message, /more than 10000 points: give step=/);
  const fine = await get(`/api/sensors/history?from=${T0}&to=${T0 + 86_400 * 30}&step=60`);
  t.is(fine.status, 400);
  t.regex(fine.body.error.message, /^step=60 gives more than 10000 points/);
  t.is((await get(`/api/sensors/history?from=${T0}&to=${T0 + 60_000}&step=10m`)).status, 200);
});

const BAD: [string, RegExp][] = [
  ['/api/sensors/latest?board=lobby', /^board must be an IP address/],
  [
    '/api/sensors/latest?sensor=LAVA',
    /^sensor must be one of FIRE, SMOKE, MOTION, HUMIDITY, TEMPERATURE, WATER/,
  ],
  ['/api/sensors/latest?board=10.0.0.1&board=10.0.0.2', /^board must be given once/],
  ['/api/sensors/history?from=yesterday', /^from must be an ISO 8601 time/],
  ['/api/sensors/history?to=2026-13', /^to must be an ISO 8601 time/],
  ['/api/sensors/history?step=0', /^step must be whole seconds/],
  ['/api/sensors/history?step=1.5', /^step must be whole seconds/],
  ['/api/sensors/history?from=2000&to=1000', /^from must be before to/],
];

for (const [path, message] of BAD) {
  test(`${path} is a 400 naming the parameter`, async (t) => {
    const { get } = await withReadings(t);
    const res = await get(path);
    t.is(res.status, 400);
    t.is(res.body.error.code, 'ERR_INPUT');
    t.regex(res.body.error.message, message);
  });
}

test('GET /api/sensors/connections lists the boards with connect and last-seen times', async (t) => {
  const { get } = await withReadings(t);
  const { connections } = (await get('/api/sensors/connections')).body;
  t.is(connections.length, 2);
  const first = connections.find((c: { address: string }) => c.address === '127.0.0.1');
  t.like(first, { frames: 3, rejectedFrames: 0, bytes: 12 });
  t.true(first.lastSeenAt >= first.connectedAt);
});

test('GET /api/sensors/counters answers the listener, store, alerts and live counters', async (t) => {
  const { get } = await withReadings(t);
  const body = (await get('/api/sensors/counters')).body;
  t.like(body.listener, { connections: 2, accepted: 2, frames: 4, rejectedFrames: 0, bytes: 16 });
  t.like(body.store, { stored: 4, queued: 0, dropped: 0, failedCommits: 0 });
  t.is(body.store.durable.count, 4);
  t.like(body.alerts, { critical: 1, webhook: null });
  t.like(body.live, { clients: 0 });
});

test('with the listener off every route is a 503 naming the setting', async (t) => {
  const get = api(undefined);
  for (const path of ['latest', 'history', 'connections', 'counters', 'live']) {
    const res = await get(`/api/sensors/${path}`);
    t.is(res.status, 503, path);
    t.regex(res.body.error.message, /sensors\.port/);
  }
});
