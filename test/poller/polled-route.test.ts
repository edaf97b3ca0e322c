import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { polledRoutes } from '../../src/http/routes/polled.js';
import { silentLogger } from '../../src/log.js';
import { PolledStore } from '../../src/poller/polled-store.js';
import { Poller } from '../../src/poller/poller.js';
import { POLL_SOURCES } from '../../src/poller/poller-config.js';
import { routeApp } from '../helpers/route-app.js';

const BASE = Date.UTC(2025, 5, 27, 12);
const iso = (i: number) => new Date(BASE + i * 10_000).toISOString();

/** A store holding `count` gps records ten seconds apart from BASE, and the route over it. */
function setup(count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-polled-'));
  const rows = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ timestamp: iso(i), source: 'gps', data: { latitude: i, longitude: 0 } }),
  );
  if (count > 0) writeFileSync(join(dir, 'gps.jsonl'), `${rows.join('\n')}\n`);
  const store = new PolledStore(dir);
  const app = routeApp((router) => polledRoutes(router, { store, sources: POLL_SOURCES }));
  return { dir, store, get: (query: string) => request(app.callback()).get(`/api/polled?${query}`) };
}

const latitudes = (body: { data: { latitude: number } }[]) => body.map((r) => r.data.latitude);

test('GET /api/polled?source=gps answers the newest 100 records, oldest first', async (t) => {
  const { get } = setup(250);
  const res = await get('source=gps');
  t.is(res.status, 200);
  t.is(res.body.length, 100);
  t.deepEqual(res.body[99], { timestamp: iso(249), source: 'gps', data: { latitude: 249, longitude: 0 } });
  t.is(res.body[0].data.latitude, 150);
});

test('since= (ISO or epoch seconds) keeps records taken after it; limit= caps them', async (t) => {
  const { get } = setup(50);
  t.deepEqual(latitudes((await get(`source=gps&since=${iso(46)}`)).body), [47, 48, 49]);
  t.deepEqual(latitudes((await get(`source=gps&since=${(BASE + 460_000) / 1000}`)).body), [47, 48, 49]);
  t.deepEqual(latitudes((await get(`source=gps&since=${iso(10)}&limit=2`)).body), [48, 49]);
  t.deepEqual(latitudes((await get('source=gps&limit=1')).body), [49]);
  t.deepEqual((await get(`source=gps&since=${iso(49)}`)).body, []);
});

/** Bytes this process has read so far: `rchar` of /proc/self/io, every read(2) by any of its threads. */
const bytesRead = () => Number(/^rchar:\s+(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);

// Serial, so no other test of this file reads anything meanwhile.
test.serial('a large file is read from its end', async (t) => {
  const { get, dir } = setup(0);
  const big = Array.from({ length: 20_000 }, (_, i) =>
    JSON.stringify({ timestamp: iso(i), source: 'gps', data: { latitude: i, pad: 'x'.repeat(100) } }),
  );
  const text = `${big.join('\n')}\n`;
  writeFileSync(join(dir, 'gps.jsonl'), text);
  const before = bytesRead();
  const res = await get('source=gps&limit=3');
  t.deepEqual(latitudes(res.body), [19_997, 19_998, 19_999]);
  const read = bytesRead() - before;
  t.true(read < text.length / 10, `${read} bytes read for a file of ${text.length}`);
});

test('a torn last line from a crash is skipped', async (t) => {
  const { get, dir } = setup(3);
  appendFileSync(join(dir, 'gps.jsonl'), '{"timestamp":"2025-06-27T12:00:30.000Z","source":"gps","da');
  t.deepEqual(latitudes((await get('source=gps')).body), [0, 1, 2]);
});

test('a known source with nothing stored is an empty list; an unknown one a 404', async (t) => {
  const { get } = setup(0);
  const empty = await get('source=climate');
  t.is(empty.status, 200);
  t.deepEqual(empty.body, []);
  const unknown = await get('source=tides');
  t.is(unknown.status, 404);
  t.regex(unknown.body.error, /^no polled source 'tides' \(known: weather, climate, gps/);
});

for (const [query, message] of [
  ['', /^source is required/],
  ['source=../etc', /^source must be/],
  ['source=gps&since=yesterday', /^since must be/],
  ['source=gps&since=2025-13-45T00:00:00Z', /^since must be/],
  ['source=gps&limit=0', /^limit must be a whole number from 1 to 1000/],
  ['source=gps&limit=1001', /^limit must be/],
  ['source=gps&limit=ten', /^limit must be/],
  ['source=gps&source=weather', /^source must be given once/],
] as const) {
  test(`GET /api/polled?${query} is a 400 naming the parameter`, async (t) => {
    const { get } = setup(1);
    const res = await get(query);
    t.is(res.status, 400);
    t.regex(res.body.error, message);
  });
}

test('what the poller stores comes back through the route', async (t) => {
  const { store, get } = setup(0);
  const poller = new Poller({
    sources: [{ name: 'system', everySeconds: 60, poll: async () => ({ cpu_usage_percent: 7.5 }) }],
    store,
    log: silentLogger(),
  });
  t.is(await poller.pollNow('system'), 'stored');
  const res = await get('source=system');
  t.is(res.body.length, 1);
  t.like(res.body[0], { source: 'system', data: { cpu_usage_percent: 7.5 } });
});
