/**
 * The store behind the API, on each backend: the rollup answers exactly what a scan of the rows
 * answers (over days, hours and the edges between, across a daylight-saving change, per agent and
 * for all), also after a thresholds change made while batches keep arriving and after the time zone
 * changes; a delivery key stores a batch once, however many deliveries race.
 */
import type { ExecutionContext } from 'ava';
import { classifyZone, type Thresholds, ZONES, type Zone } from '../../../src/ingest/detections/rules.js';
import type { DetectionStore } from '../../../src/ingest/detections/store.js';
import { DAY_US, HOUR_US, MINUTE_US, type ZoneClock } from '../../../src/ingest/detections/zoned-time.js';
import { type Backend, hash, startDetections, TestClock, tempDir } from './harness.js';

interface Row {
  device_id: string;
  device_hash: string;
  rssi: number;
  us: number;
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Madrid's clocks went forward on 2026-03-29 at 02:00: four days around it, in µs. */
const FROM = Date.UTC(2026, 2, 27, 10) * 1000;
const SPAN = 4 * DAY_US;

/** `n` detections from three agents over four days, hashes seen again and again, RSSI -30 to -99. */
function rows(n: number, seed: number): Row[] {
  const next = random(seed);
  return Array.from({ length: n }, () => ({
    device_id: `rpi-${Math.floor(next() * 3)}`,
    device_hash: hash(Math.floor(next() * 40)),
    rssi: -30 - Math.floor(next() * 70),
    us: FROM + Math.floor(next() * SPAN),
  }));
}

/** What a scan of `all` answers for [from, to): per zone distinct hashes, detections, RSSI sum. */
function scan(all: Row[], t: Thresholds, from: number, to: number, deviceId?: string) {
  const figures = Object.fromEntries(
    ZONES.map((z) => [z, { hashes: new Set<string>(), detections: 0, rssiSum: 0 }]),
  );
  for (const r of all) {
    if (r.us < from || r.us >= to || (deviceId !== undefined && r.device_id !== deviceId)) continue;
    const f = figures[classifyZone(r.rssi, t)];
    f.hashes.add(r.device_hash);
    f.detections++;
    f.rssiSum += r.rssi;
  }
  return Object.fromEntries(
    ZONES.map((z) => [
      z,
      { unique: figures[z].hashes.size, detections: figures[z].detections, rssiSum: figures[z].rssiSum },
    ]),
  );
}

/** Stores `all` in batches of 100 rows per agent; `queue`: as MQTT's, answered before they are readable. */
async function store(all: Row[], s: DetectionStore, nowUs: number, queue = false): Promise<void> {
  const answers: Promise<unknown>[] = [];
  for (let i = 0; i < all.length; i += 100) {
    const batch = all.slice(i, i + 100);
    for (const device of ['rpi-0', 'rpi-1', 'rpi-2']) {
      const detections = batch.filter((r) => r.device_id === device);
      const answer = s.ingest({ deviceId: device, detections, updateInfo: false, nowUs, queue });
      if (queue) answers.push(answer);
      else await answer;
    }
  }
  await Promise.all(answers);
}

/** Every window of a set (whole days, hours, odd edges, the DST night) answers as the scan. */
async function sameAsScan(
  t: ExecutionContext,
  s: DetectionStore,
  all: Row[],
  th: Thresholds,
  clock: ZoneClock,
) {
  const next = random(7);
  const windows: [number, number][] = [
    [FROM, FROM + SPAN],
    [clock.startOfDay(FROM + DAY_US), clock.startOfDay(FROM + 3 * DAY_US)],
    [Date.UTC(2026, 2, 28, 22) * 1000, Date.UTC(2026, 2, 29, 3) * 1000],
    [FROM + 17 * MINUTE_US + 3, FROM + 2 * DAY_US + 5 * HOUR_US + 7],
  ];
  for (let i = 0; i < 8; i++) {
    const a = FROM + Math.floor(next() * SPAN);
    windows.push([a, a + Math.floor(next() * (SPAN - (a - FROM)))]);
  }
  for (const [from, to] of windows) {
    for (const deviceId of [undefined, 'rpi-1']) {
      const got = await s.window({ from, to, deviceId, acrossZones: true });
      const want = scan(all, th, from, to, deviceId);
      t.deepEqual(got.byZone, want, `window ${from}..${to} ${deviceId ?? 'all'}`);
      const across = new Set(
        all
          .filter((r) => r.us >= from && r.us < to && (!deviceId || r.device_id === deviceId))
          .map((r) => r.device_hash),
      );
      t.is(got.acrossZones, across.size);
    }
  }
  // Day buckets (the week histogram, daily) carry exact counters.
  for (let day = clock.startOfDay(FROM); day < FROM + SPAN; day = clock.addDays(day, 1)) {
    const end = clock.addDays(day, 1);
    const got = await s.buckets({ level: 'd', from: day, to: end });
    const want = scan(all, th, day, end);
    for (const zone of ZONES) {
      const row = got.find((b) => b.zone === zone);
      t.deepEqual(
        row
          ? { unique: row.unique, detections: row.detections, rssiSum: row.rssiSum }
          : { unique: 0, detections: 0, rssiSum: 0 },
        want[zone as Zone],
      );
    }
  }
}

export function storeSuite(backend: Backend): void {
  const test = (title: string, body: Parameters<Backend['test']>[1]) =>
    backend.test(`${backend.name}: ${title}`, body);

  test('the rollup answers every window as a scan of the rows does, across a daylight-saving change', async (t) => {
    const s = await startDetections(t, backend);
    const all = rows(3000, 1);
    await store(all, s.detections.store, s.detections.nowUs());
    await sameAsScan(t, s.detections.store, all, { near: -60, medium: -75 }, s.detections.clock);
  });

  test("queued batches (MQTT's) are readable by the next read and answer every window as a scan does", async (t) => {
    const s = await startDetections(t, backend);
    const all = rows(3000, 6);
    await store(all, s.detections.store, s.detections.nowUs(), true);
    await sameAsScan(t, s.detections.store, all, { near: -60, medium: -75 }, s.detections.clock);
    const stored = await s.detections.store.rows({ from: FROM, to: FROM + SPAN }, undefined, 5000);
    t.is(stored.length, all.length);
  });

  test('new thresholds set while batches keep arriving leave the rollup equal to a scan', async (t) => {
    const s = await startDetections(t, backend);
    const all = rows(4000, 2);
    const [before, during] = [all.slice(0, 3000), all.slice(3000)];
    await store(before, s.detections.store, s.detections.nowUs());
    const th = { near: -50, medium: -85 };
    const change = s.detections.store.setThresholds(th, s.detections.nowUs());
    await store(during, s.detections.store, s.detections.nowUs());
    const recalculated = await change;
    // Counted when the reclassification ended: every row before it, some of those that came during it.
    t.true(recalculated.total >= 3000 && recalculated.total <= 4000, String(recalculated.total));
    t.is(recalculated.near + recalculated.medium + recalculated.far, recalculated.total);
    await sameAsScan(t, s.detections.store, all, th, s.detections.clock);
  });

  test('a rollup made in another time zone is rebuilt when the node opens the store in a new one', async (t) => {
    const dir = tempDir(t);
    const url = await backend.databaseUrl();
    const fixed: Backend = { ...backend, databaseUrl: async () => url };
    const all = rows(1500, 3);
    const first = await startDetections(t, fixed, { dir, config: { timezone: 'UTC' } });
    await store(all, first.detections.store, first.detections.nowUs());
    await first.detections.stop();
    const second = await startDetections(t, fixed, { dir, config: { timezone: 'Europe/Madrid' } });
    await sameAsScan(t, second.detections.store, all, { near: -60, medium: -75 }, second.detections.clock);
  });

  test('a delivery key stores its batch once, however many deliveries race', async (t) => {
    const s = await startDetections(t, backend);
    const batch = {
      device_id: 'rpi-001',
      detections: [1, 2, 3].map((i) => ({ device_hash: hash(i), rssi: -50 })),
    };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => s.detections.ingest(batch, { via: 'mqtt', deliveryKey: 'sha256:abc' })),
    );
    t.is(results.filter((r) => !r.duplicate).length, 1);
    t.deepEqual(results.map((r) => r.count).sort(), [0, 0, 0, 0, 0, 3]);
    t.is((await s.get('/api/v1/detections/recent')).body.length, 3);
    const other = await s.detections.ingest(batch, { via: 'mqtt', deliveryKey: 'sha256:def' });
    t.like(other, { count: 3, duplicate: false });
  });

  test('a delivery key pruned is forgotten: the same key stores again', async (t) => {
    const clock = new TestClock();
    const s = await startDetections(t, backend, { clock });
    const batch = { device_id: 'rpi-001', detections: [{ device_hash: hash(1), rssi: -50 }] };
    await s.detections.ingest(batch, { via: 'mqtt', deliveryKey: 'old' });
    const pruned = await s.detections.store.pruneDeliveries(s.detections.nowUs() + 1);
    t.is(pruned, 1);
    t.like(await s.detections.ingest(batch, { via: 'mqtt', deliveryKey: 'old' }), { duplicate: false });
  });

  test('retention deletes detections older than the limit, in chunks, and keeps the newer ones', async (t) => {
    const s = await startDetections(t, backend);
    const all = rows(12_000, 5);
    await store(all, s.detections.store, s.detections.nowUs());
    const cut = FROM + 2 * DAY_US;
    const pruned = await s.detections.store.pruneDetections(cut);
    t.is(pruned, all.filter((r) => r.us < cut).length);
    const left = await s.detections.store.rows({ from: FROM, to: FROM + SPAN }, undefined, 20_000);
    t.is(left.length, all.length - pruned);
    t.true(left.every((r) => r.us >= cut));
    t.is(await s.detections.store.pruneDetections(cut), 0, 'a second pass finds nothing');
  });
}
