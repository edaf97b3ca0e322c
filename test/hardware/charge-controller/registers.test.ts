import test from 'ava';
import {
  readingFromRegisters,
  TRACER_BLOCKS,
  TRACER_REGISTER_MAP,
} from '../../../src/hardware/charge-controller/registers.js';
import { TRACER_COLUMNS } from '../../../src/hardware/charge-controller/types.js';

test('a known register block gives the exact TracerReading, every value register / 100', (t) => {
  const block3100 = [1850, 27, 500, 0, 1323, 36, 476, 0, 1200, 19, 250, 7, 8, 9, 10, 11];
  t.deepEqual(readingFromRegisters(block3100, [33, 2500]), {
    'PV voltage': 18.5,
    'PV current': 0.27,
    'PV power L': 5,
    'PV power H': 0,
    'battery voltage': 13.23,
    'battery current': 0.36,
    'battery power L': 4.76,
    'battery power H': 0,
    'load voltage': 12,
    'load current': 0.19,
    'load power': 2.5,
    'battery percentage': 0.33,
  });
});

test('power high words are kept as their own columns, not combined with the low words', (t) => {
  const block3100 = [0, 0, 65535, 1, 0, 0, 100, 2, 0, 0, 0, 0, 0, 0, 0, 0];
  const reading = readingFromRegisters(block3100, [100, 0]);
  t.is(reading['PV power L'], 655.35);
  t.is(reading['PV power H'], 0.01);
  t.is(reading['battery power H'], 0.02);
  t.is(reading['battery percentage'], 1);
});

test('the reading has the twelve CSV columns in file order', (t) => {
  const reading = readingFromRegisters(new Array(16).fill(0), [0, 0]);
  t.deepEqual(Object.keys(reading), [...TRACER_COLUMNS]);
  t.deepEqual(
    TRACER_REGISTER_MAP.map((field) => field.column),
    [...TRACER_COLUMNS],
  );
});

test('the logger reads 16 registers at 0x3100 and 2 at 0x311A', (t) => {
  t.deepEqual(TRACER_BLOCKS, [
    { address: 0x3100, count: 16 },
    { address: 0x311a, count: 2 },
  ]);
});

test('a block too short for the map is a RangeError, not NaN', (t) => {
  t.throws(() => readingFromRegisters([1, 2, 3], [0]), { instanceOf: RangeError });
});
