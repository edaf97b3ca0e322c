import test from 'ava';
import {
  formatLocalDatetime,
  formatTracerRow,
  parseCsvLines,
  pythonFloatRepr,
  TRACER_HEADER_LINE,
  tracerFileName,
} from '../../src/readings/tracer-csv.js';
import { READING } from '../helpers/readings.js';

test('the header is exactly the original', (t) => {
  t.is(
    TRACER_HEADER_LINE,
    'datetime,PV voltage,PV current,PV power L,PV power H,battery voltage,battery current,battery power L,battery power H,load voltage,load current,load power,battery percentage',
  );
});

test('floats are written as Python repr writes them', (t) => {
  t.is(pythonFloatRepr(0), '0.0');
  t.is(pythonFloatRepr(12), '12.0');
  t.is(pythonFloatRepr(1328 / 100), '13.28');
  t.is(pythonFloatRepr(33 / 100), '0.33');
  t.is(pythonFloatRepr(655.35), '655.35');
  t.is(pythonFloatRepr(0.0001), '0.0001');
  t.is(pythonFloatRepr(0.00001), '1e-05');
  t.is(pythonFloatRepr(1e16), '1e+16');
  t.is(pythonFloatRepr(123456789012345.6), '123456789012345.6');
});

test('every register value /100 prints like Python', (t) => {
  // A sample of the 0..65535 range; JS and Python share IEEE doubles and shortest repr.
  for (const reg of [1, 7, 10, 99, 101, 1001, 1234, 9999, 12345, 65535]) {
    const text = pythonFloatRepr(reg / 100);
    t.is(Number(text), reg / 100);
    t.regex(text, /^\d+\.\d{1,2}$/);
  }
});

test('datetimes are naive local time with microseconds', (t) => {
  const date = new Date(2021, 1, 24, 7, 50, 13, 445);
  t.is(formatLocalDatetime(date, 434), '2021-02-24 07:50:13.445434');
  t.is(formatLocalDatetime(new Date(2021, 0, 1, 0, 0, 0, 0)), '2021-01-01 00:00:00.000000');
  t.is(tracerFileName(date), 'tracerData2021-02-24.csv');
});

test('a row has the datetime and twelve values', (t) => {
  t.is(
    formatTracerRow(new Date(2021, 1, 24, 7, 50, 13, 445), READING, 434),
    '2021-02-24 07:50:13.445434,13.23,0.09,1.32,0.0,12.0,0.11,1.32,0.0,12.0,0.22,2.64,0.33',
  );
});

test('only lines ended by a newline are rows', (t) => {
  const { rows, consumedChars } = parseCsvLines('a,b\n1,2\n3,');
  t.deepEqual(rows, [
    ['a', 'b'],
    ['1', '2'],
  ]);
  t.is(consumedChars, 8);
});

test('quoted fields and CRLF are read as fgetcsv reads them', (t) => {
  t.deepEqual(parseCsvLines('"a,b",c\r\n"say ""hi""",d\n').rows, [
    ['a,b', 'c'],
    ['say "hi"', 'd'],
  ]);
});
