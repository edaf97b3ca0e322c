/**
 * Local hours and days in the configured zone, and how a range is cut into raw edges and whole
 * buckets: the pieces tile the range exactly, also over the nights the clocks change and in zones
 * half an hour off UTC.
 */
import test from 'ava';
import { bucketOf, cover } from '../../../src/ingest/detections/buckets.js';
import { DAY_US, HOUR_US, ZoneClock } from '../../../src/ingest/detections/zoned-time.js';
import { random } from './store-suite.js';

const madrid = new ZoneClock('Europe/Madrid');
const utc = (...fields: number[]) =>
  Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3] ?? 0, fields[4] ?? 0) * 1000;

test('ISO times in the zone as Python writes them: offset always, microseconds only when not whole', (t) => {
  t.is(madrid.iso(utc(2026, 5, 4, 8)), '2026-05-04T10:00:00+02:00');
  t.is(madrid.iso(utc(2026, 1, 15, 9) + 5), '2026-01-15T10:00:00.000005+01:00');
  t.is(new ZoneClock('Asia/Kolkata').iso(utc(2026, 5, 4, 8)), '2026-05-04T13:30:00+05:30');
  t.is(new ZoneClock('America/St_Johns').iso(utc(2026, 1, 4, 8)), '2026-01-04T04:30:00-03:30');
});

test('local days last 23 and 25 hours on the nights the clocks change; hours stay whole', (t) => {
  const spring = madrid.startOfDay(utc(2026, 3, 29, 12));
  const autumn = madrid.startOfDay(utc(2026, 10, 25, 12));
  t.is(madrid.addDays(spring, 1) - spring, 23 * HOUR_US);
  t.is(madrid.addDays(autumn, 1) - autumn, 25 * HOUR_US);
  // 02:00-03:00 happens twice in October: two hour buckets, an hour apart.
  t.is(
    bucketOf(utc(2026, 10, 25, 1, 30), 'h', madrid) - bucketOf(utc(2026, 10, 25, 0, 30), 'h', madrid),
    HOUR_US,
  );
  t.is(bucketOf(utc(2026, 5, 4, 8, 59), 'h', madrid), utc(2026, 5, 4, 8));
  t.is(bucketOf(utc(2026, 5, 4, 22, 30), 'd', madrid), utc(2026, 5, 4, 22));
});

for (const zone of ['Europe/Madrid', 'Asia/Kolkata', 'UTC', 'America/St_Johns']) {
  test(`in ${zone} the pieces of a range tile it, each on its buckets' boundaries`, (t) => {
    const clock = new ZoneClock(zone);
    const next = random(zone.length);
    const start = utc(2026, 3, 20);
    for (let i = 0; i < 300; i++) {
      const from = start + Math.floor(next() * 250 * DAY_US);
      const to = from + Math.floor(next() * (next() < 0.5 ? 3 * HOUR_US : 20 * DAY_US));
      const pieces = cover(from, to, clock);
      if (from === to) {
        t.deepEqual(pieces, []);
        continue;
      }
      t.is(pieces[0].from, from);
      t.is(pieces[pieces.length - 1].to, to);
      for (let p = 1; p < pieces.length; p++) t.is(pieces[p].from, pieces[p - 1].to);
      for (const piece of pieces) {
        if (piece.source === 'raw') {
          t.true(piece.to - piece.from < 2 * HOUR_US);
          continue;
        }
        t.is(bucketOf(piece.from, piece.source, clock), piece.from);
        t.is(bucketOf(piece.to, piece.source, clock), piece.to);
      }
    }
  });
}
