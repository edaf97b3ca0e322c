/**
 * Fuzz: random bytes interleaved with valid frames, delivered in chunks cut anywhere. The reference is
 * the protocol itself: the stream read four bytes at a time, each group with a known type a reading,
 * any other a rejected frame. The history must hold exactly the reference's readings, in order, each
 * once, and the counters the reference's rejections.
 *
 * Part one: 10^6 random chunks (whole 4-byte units, so the valid frames between them stay aligned)
 * through the framer and the service's ingest into the real SQLite file. Part two: the same over
 * real TCP connections, with random chunks of any length (a stream out of step is decoded as the
 * reference decodes it).
 */
import test from 'ava';
import { FrameDecoder, SENSOR_TYPES } from '../../../src/ingest/lan-sensors/frame-codec.js';
import { LanSensors } from '../../../src/ingest/lan-sensors/index.js';
import { boardAddress } from '../../../src/ingest/lan-sensors/simulate.js';
import { silentLogger } from '../../../src/log.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { Board, startSensors, tempDb } from '../../helpers/lan-sensors.js';
import { until } from '../../helpers/until.js';

/** mulberry32: a small seeded generator, so a failure can be replayed from its seed. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

interface Fuzzed {
  bytes: Buffer;
  /** The reference's readings, in order, as id << 16 | type << 8 | value. */
  readings: Int32Array;
  rejected: number;
}

/** `chunks` random chunks of 0-`maxChunk` bytes, each followed by one valid frame. */
function fuzzStream(seed: number, chunks: number, maxChunk: number, wholeFrames: boolean): Fuzzed {
  const rand = random(seed);
  const all = Buffer.alloc(chunks * (maxChunk + 4));
  let length = 0;
  for (let c = 0; c < chunks; c++) {
    const size = wholeFrames ? rand(maxChunk / 4 + 1) * 4 : rand(maxChunk + 1);
    for (let i = 0; i < size; i++) all[length++] = rand(256);
    for (const byte of [rand(256), rand(256), rand(6), rand(256)]) all[length++] = byte;
  }
  const bytes = all.subarray(0, length);
  const readings: number[] = [];
  let rejected = 0;
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    if (bytes[i + 2] > 5) rejected++;
    else readings.push((bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return { bytes, readings: Int32Array.from(readings), rejected };
}

/** The history rows of one board, in the order they were stored, as id << 16 | type << 8 | value. */
function storedReadings(dbPath: string, board: string): Int32Array {
  const db = openSqlite(dbPath);
  const out: number[] = [];
  const page = db.prepare(
    'SELECT rowid, ip_id, sensor, value FROM sensors_history WHERE rowid > ? AND ip_id >= ? AND ip_id < ? ' +
      'ORDER BY rowid LIMIT 100000',
  );
  for (let after = 0; ; ) {
    const rows = page.all(after, `${board}_`, `${board}\``);
    if (rows.length === 0) break;
    for (const row of rows) {
      const id = Number(String(row.ip_id).slice(board.length + 1));
      out.push((id << 16) | (SENSOR_TYPES.indexOf(row.sensor as never) << 8) | Number(row.value));
    }
    after = Number(rows[rows.length - 1].rowid);
  }
  db.close();
  return Int32Array.from(out);
}

/** Index of the first difference, or -1. */
function firstDifference(a: Int32Array, b: Int32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

test('10^6 random chunks cut anywhere through the framer and the store: every valid frame stored exactly once', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? 20_261_128);
  t.log(`seed ${seed} (FUZZ_SEED= to replay)`);
  const { bytes, readings, rejected } = fuzzStream(seed, 1_000_000, 16, true);
  const dbPath = tempDb(t);
  const sensors = new LanSensors({ dbPath, log: silentLogger() });
  await sensors.start();
  t.teardown(() => sensors.stop());
  const keys = Array.from({ length: 256 }, (_, id) => `10.9.9.9_${id}`);
  const received = Date.now();
  const decoder = new FrameDecoder();
  const sink = {
    frame: (id: number, type: number, value: number) => sensors.ingest(keys[id], type, value, received),
  };
  const rand = random(seed + 1);
  let deliveries = 0;
  for (let at = 0; at < bytes.length; deliveries++) {
    const size = 1 + rand(20);
    decoder.push(bytes.subarray(at, at + size), sink);
    at += size;
  }
  await sensors.stop();
  t.true(deliveries >= 1_000_000, `${deliveries} deliveries`);
  t.is(decoder.rejected, rejected);
  t.is(decoder.pending, 0);
  t.is(sensors.counters().store.dropped, 0);
  t.is(sensors.counters().store.stored, readings.length);
  const stored = storedReadings(dbPath, '10.9.9.9');
  t.is(stored.length, readings.length);
  t.is(firstDifference(stored, readings), -1, 'the history is the reference, in order');
  t.log(`${bytes.length} bytes in ${deliveries} deliveries: ${readings.length} stored, ${rejected} rejected`);
});

test('random chunks of any length over 8 real connections: each board stored as the reference decodes it', async (t) => {
  const boards = 8;
  const { sensors, port, dbPath } = await startSensors(t, { maxPerAddress: 1 });
  const streams = Array.from({ length: boards }, (_, b) => fuzzStream(7000 + b, 20_000, 24, false));
  await Promise.all(
    streams.map(async (stream, b) => {
      const board = new Board(port, boardAddress(b));
      const rand = random(b);
      for (let at = 0; at < stream.bytes.length; ) {
        const size = 1 + rand(2048);
        await board.send(...stream.bytes.subarray(at, at + size));
        at += size;
      }
      await board.close();
    }),
  );
  const expected = streams.reduce((sum, s) => sum + s.readings.length, 0);
  await until('every connection closed', () => sensors.connections().length === 0);
  await until('every reading committed', () => sensors.counters().store.stored === expected);
  const listener = sensors.counters().listener;
  t.is(
    listener?.rejectedFrames,
    streams.reduce((sum, s) => sum + s.rejected, 0),
  );
  t.is(listener?.truncatedFrames, streams.filter((s) => s.bytes.length % 4 !== 0).length);
  t.is(
    listener?.bytes,
    streams.reduce((sum, s) => sum + s.bytes.length, 0),
  );
  for (let b = 0; b < boards; b++) {
    const stored = storedReadings(dbPath, boardAddress(b));
    t.is(firstDifference(stored, streams[b].readings), -1, `board ${boardAddress(b)}`);
  }
});
