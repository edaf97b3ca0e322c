/**
 * Bulk bodies from a seeded generator: valid batches, wrong types at every level, odd timestamps,
 * huge numbers, deep nesting, cut-off JSON and bytes that are not JSON at all. None may crash the
 * node or make it answer 500; every answer is a 200 (with the count actually stored), a 413 or a
 * 422, and the rows in the store are exactly the sum of the counts answered.
 */
import test from 'ava';
import { hash, KEY, sqliteBackend, startDetections } from './harness.js';
import { random } from './store-suite.js';

type Gen = () => number;

const pick = <T>(next: Gen, items: readonly T[]): T => items[Math.floor(next() * items.length)];

function anyValue(next: Gen, depth = 0): unknown {
  const kinds = ['null', 'bool', 'int', 'float', 'big', 'string', 'long', 'array', 'object'] as const;
  switch (pick(next, depth > 3 ? kinds.slice(0, 7) : kinds)) {
    case 'null':
      return null;
    case 'bool':
      return next() < 0.5;
    case 'int':
      return Math.floor(next() * 400) - 200;
    case 'float':
      return (next() - 0.5) * 1e6;
    case 'big':
      return pick(next, [1e308, -1e308, 2 ** 53 + 1, -(2 ** 31) - 1, 2 ** 31]);
    case 'string':
      return pick(next, ['', 'near', '2026-05-04', '2026-02-30T10:00:00', '\u0000', 'ñ', '1e9', '-55']);
    case 'long':
      return 'x'.repeat(Math.floor(next() * 200));
    case 'array':
      return Array.from({ length: Math.floor(next() * 4) }, () => anyValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}`, anyValue(next, depth + 1)]),
      );
  }
}

const TIMESTAMPS = [
  undefined,
  null,
  '2026-05-04T10:00:00',
  '2026-05-04T10:00:00Z',
  '2026-05-04T10:00:00.123456+05:30',
  '2026-03-29T02:30:00',
  '20260504T1000',
  '2026-05-04T24:00:00',
  '0001-01-01T00:00:00',
  '1970-01-01T00:00:00Z',
  '2199-12-31T12:00:00.999999-11:59',
  '9999-12-31T23:59:59.999999-23:59',
  'yesterday',
  12345,
];

function detection(next: Gen): unknown {
  if (next() < 0.005) return anyValue(next);
  const item: Record<string, unknown> = {
    device_hash: next() < 0.85 ? hash(Math.floor(next() * 50)) : anyValue(next),
    rssi: next() < 0.85 ? -Math.floor(next() * 110) : anyValue(next),
    zone: pick(next, ['near', 'medium', 'far', 'NEAR', 7, null]),
  };
  const ts = pick(next, TIMESTAMPS);
  if (ts !== undefined) item.timestamp = ts;
  if (next() < 0.1) item[pick(next, ['device_hash', 'rssi'])] = undefined;
  return item;
}

function body(next: Gen): string {
  const roll = next();
  if (roll < 0.05)
    return pick(next, ['', 'null', '[]', '"text"', '{', '{"device_id":', '\u00ff\u00fe', 'NaN']);
  const batch: Record<string, unknown> = {
    device_id: next() < 0.9 ? `rpi-${Math.floor(next() * 5)}` : anyValue(next),
    detections:
      next() < 0.9 ? Array.from({ length: Math.floor(next() * 30) }, () => detection(next)) : anyValue(next),
  };
  if (next() < 0.3) batch.name = next() < 0.8 ? 'Hall' : anyValue(next);
  if (next() < 0.3) batch.location = anyValue(next);
  if (next() < 0.1) delete batch.device_id;
  const text = JSON.stringify(batch);
  // Now and then cut short, as a dropped connection would leave it.
  return next() < 0.05 ? text.slice(0, Math.floor(next() * text.length)) : text;
}

test('500 generated bulk bodies: never a 500, and the store holds exactly what was answered', async (t) => {
  const s = await startDetections(t, sqliteBackend, { config: { limits: { maxBodyBytes: 8192 } } });
  const next = random(20260504);
  let stored = 0;
  const statuses = new Map<number, number>();
  for (let i = 0; i < 500; i++) {
    const res = await s
      .http()
      .post('/api/v1/detections/bulk')
      .set('X-API-Key', KEY)
      .set('Content-Type', 'application/json')
      .send(body(next));
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    t.true([200, 413, 422].includes(res.status), `body ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status === 200) stored += res.body.count;
    else t.truthy(res.body.detail);
  }
  t.true((statuses.get(200) ?? 0) > 100, JSON.stringify([...statuses]));
  t.true((statuses.get(422) ?? 0) > 10, JSON.stringify([...statuses]));
  const realtime = await s.get(
    '/api/v1/statistics/range?start_time=1970-01-01T00:00:00Z&end_time=2199-12-31T23:59:59Z',
  );
  t.is(realtime.status, 200);
  t.is(realtime.body.total.total_detections, stored);
  const csv = await s.get('/api/v1/export/detections/csv?start_date=1969-12-31&end_date=2200-01-01');
  t.is(csv.text.trim().split('\r\n').length - 1, stored);
});
