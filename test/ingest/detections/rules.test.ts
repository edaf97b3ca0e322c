/**
 * The original backend's ingest rules as pure functions (spec D.3): timestamps as Python's
 * fromisoformat reads them, zones from RSSI, the items a batch skips, estimated people with
 * Python's rounding, the agents' hash, and the body checks in pydantic's 422 shapes.
 */
import test from 'ava';
import { ValidationError } from '../../../src/ingest/detections/errors.js';
import {
  acceptDetections,
  agentDeviceHash,
  classifyZone,
  estimatedPeople,
  parseZone,
  pythonRound,
  validateBatch,
} from '../../../src/ingest/detections/rules.js';
import { detectionInstant, parseIsoInstant } from '../../../src/ingest/detections/timestamps.js';
import { ZoneClock } from '../../../src/ingest/detections/zoned-time.js';

const madrid = new ZoneClock('Europe/Madrid');
const NOW = Date.UTC(2026, 4, 4, 8, 1) * 1000;
const iso = (us: number | undefined) => (us === undefined ? undefined : madrid.iso(us));

test('timestamps: a trailing Z and offsets as given, a naive time in the configured zone', (t) => {
  t.is(iso(parseIsoInstant('2026-05-04T10:00:00Z', madrid)), '2026-05-04T12:00:00+02:00');
  t.is(iso(parseIsoInstant('2026-05-04T10:00:00+05:30', madrid)), '2026-05-04T06:30:00+02:00');
  t.is(iso(parseIsoInstant('2026-05-04T10:00:00', madrid)), '2026-05-04T10:00:00+02:00');
  t.is(iso(parseIsoInstant('2026-01-15 10:00:00.5', madrid)), '2026-01-15T10:00:00.500000+01:00');
  t.is(iso(parseIsoInstant('20260504T1000', madrid)), '2026-05-04T10:00:00+02:00');
  t.is(iso(parseIsoInstant('2026-05-04', madrid)), '2026-05-04T00:00:00+02:00');
  t.is(parseIsoInstant('2026-05-04T10:00:00.1234567Z', madrid), Date.UTC(2026, 4, 4, 10) * 1000 + 123456);
});

test('timestamps Python refuses are refused: February 30th, hour 24, offsets of a day, words', (t) => {
  for (const text of [
    '2026-02-30T10:00:00',
    '2026-05-04T24:00:00',
    '2026-05-04T10:00:00+24:00',
    'yesterday',
    '',
  ]) {
    t.is(parseIsoInstant(text, madrid), undefined, text);
  }
});

test("the agents' shape (read without a regular expression) reads as the general path reads the same time", (t) => {
  // The compact form (no dashes) takes the general path: both must agree, refusals included.
  const compact = (text: string) => text.slice(0, 4) + text.slice(5, 7) + text.slice(8);
  const dates = [
    '2024-02-29',
    '2023-02-29',
    '1900-02-29',
    '2000-02-29',
    '2026-04-31',
    '2026-12-31',
    '0001-01-01',
    '2026-13-01',
  ];
  const times = ['T00:00:00', ' 23:59:59', 'T24:00:00', 'T10:60:00', 'T02:30:00', 'x12:34:56'];
  const fractions = ['', '.5', ',25', '.123456', '.1234567', '.000001', '.'];
  const offsets = ['', 'Z', 'z', '+02:00', '-05:30', '+23:59', '+24:00', '+02:60', '+0200', '+02'];
  let checked = 0;
  for (const date of dates)
    for (const time of times)
      for (const fraction of fractions)
        for (const offset of offsets) {
          const text = `${date}${time}${fraction}${offset}`;
          t.is(parseIsoInstant(text, madrid), parseIsoInstant(compact(text), madrid), text);
          checked++;
        }
  t.is(checked, 3360);
  t.is(
    parseIsoInstant('2026-11-28T14:09:12.123+01:00', madrid),
    Date.UTC(2026, 10, 28, 13, 9, 12) * 1000 + 123000,
  );
});

test('naive times around daylight-saving changes read as Python zoneinfo reads them (fold 0)', (t) => {
  // 02:30 on 2026-03-29 never happens in Madrid: the offset before the change applies.
  t.is(parseIsoInstant('2026-03-29T02:30:00', madrid), Date.UTC(2026, 2, 29, 1, 30) * 1000);
  // 02:30 on 2026-10-25 happens twice: the first (summer time).
  t.is(parseIsoInstant('2026-10-25T02:30:00', madrid), Date.UTC(2026, 9, 25, 0, 30) * 1000);
});

test('a detection without timestamp is now; one before 1970 or from 2200 on is skipped', (t) => {
  t.is(detectionInstant(undefined, madrid, NOW), NOW);
  t.is(detectionInstant(null, madrid, NOW), NOW);
  t.is(detectionInstant(12345, madrid, NOW), undefined);
  t.is(detectionInstant('0001-01-01T00:00:00', madrid, NOW), undefined);
  t.is(detectionInstant('2200-01-01T00:00:00Z', madrid, NOW), undefined);
});

test('zones with the default thresholds: -60 near, -61 and -75 medium, -76 far', (t) => {
  const defaults = { near: -60, medium: -75 };
  t.deepEqual(
    [-60, -61, -75, -76].map((rssi) => classifyZone(rssi, defaults)),
    ['NEAR', 'MEDIUM', 'MEDIUM', 'FAR'],
  );
  t.deepEqual(['near', 'Medium', 'FAR', 'close'].map(parseZone), ['NEAR', 'MEDIUM', 'FAR', undefined]);
});

test('estimated people: 0 for none, else round(n / 1.5) but at least 1', (t) => {
  t.deepEqual(
    [0, 1, 2, 3, 4, 15].map((n) => estimatedPeople(n, 1.5)),
    [0, 1, 1, 2, 3, 10],
  );
  // Ties go to the even neighbour, as Python's round: 2.5 -> 2, 3.5 -> 4.
  t.deepEqual(
    [5, 7].map((n) => estimatedPeople(n, 2)),
    [2, 4],
  );
});

test('Python rounding to 2 places: ties of exact binary values to even, the rest by the binary value', (t) => {
  t.is(pythonRound(0.125, 2), 0.12);
  t.is(pythonRound(0.375, 2), 0.38);
  t.is(pythonRound(2.675, 2), 2.67);
  t.is(pythonRound(-57.345, 2), -57.34);
  t.is(pythonRound(-55, 2), -55);
  t.is(pythonRound(33.33333333, 2), 33.33);
});

test('the agent hash: SHA-256 of the MAC without separators, upper-case', (t) => {
  const expected = 'edf41a0100c3e451b643afe2ba2266b0b4ccd2a9e64a7f032aa2e8d3e185aeda';
  t.is(agentDeviceHash('A1:B2:C3:D4:E5:F1'), expected);
  t.is(agentDeviceHash('a1-b2-c3-d4-e5-f1'), expected);
});

test('items without rssi or device_hash, with a bad timestamp or a hash over 64 characters are skipped', (t) => {
  const { accepted, skipped } = acceptDetections(
    [
      { device_hash: 'a', rssi: -50 },
      { device_hash: 'b' },
      { rssi: -50 },
      { device_hash: 'c', rssi: -50.5 },
      { device_hash: 'd', rssi: -50, timestamp: 'soon' },
      { device_hash: 'x'.repeat(65), rssi: -50 },
      { device_hash: 'e', rssi: -70, zone: 'near', timestamp: '2026-05-04T10:00:00' },
    ],
    madrid,
    NOW,
  );
  t.deepEqual(accepted, [
    { device_hash: 'a', rssi: -50, us: NOW },
    { device_hash: 'e', rssi: -70, us: Date.UTC(2026, 4, 4, 8) * 1000 },
  ]);
  t.is(skipped, 5);
});

test('a batch body is checked as pydantic would, every problem at once', (t) => {
  const error = t.throws(() => validateBatch({ device_id: 7, detections: [1], name: 'x'.repeat(101) }, 10), {
    instanceOf: ValidationError,
  });
  t.deepEqual(
    error.detail.map((i) => [i.type, i.loc.join('.')]),
    [
      ['string_type', 'body.device_id'],
      ['dict_type', 'body.detections.0'],
      ['string_too_long', 'body.name'],
    ],
  );
  t.like(t.throws(() => validateBatch([], 10), { instanceOf: ValidationError }).detail[0], {
    type: 'model_attributes_type',
    loc: ['body'],
  });
  t.notThrows(() => validateBatch({ device_id: 'rpi-001', detections: [], name: null }, 10));
});
