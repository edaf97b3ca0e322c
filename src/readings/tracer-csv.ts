import { TRACER_COLUMNS, type TracerReading } from '../hardware/charge-controller/types.js';

/** The exact header line of a Solar Protocol tracerData CSV. */
export const TRACER_HEADER = ['datetime', ...TRACER_COLUMNS] as const;
export const TRACER_HEADER_LINE = TRACER_HEADER.join(',');

const FILE_NAME = /^tracerData(\d{4}-\d{2}-\d{2})\.csv$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The node-local calendar date, YYYY-MM-DD (Python's `datetime.date.today()`). */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `tracerData<local YYYY-MM-DD>.csv` */
export function tracerFileName(date: Date): string {
  return `tracerData${localDate(date)}.csv`;
}

/** The date a tracerData file name stands for, or undefined for other names. */
export function dateOfTracerFile(name: string): string | undefined {
  return FILE_NAME.exec(name)?.[1];
}

/**
 * Python's `str(datetime.now())`: naive local time with microseconds, `YYYY-MM-DD HH:MM:SS.ffffff`.
 * JavaScript clocks have milliseconds; the extra microsecond digits come from `micros` when given.
 */
export function formatLocalDatetime(date: Date, micros = 0): string {
  const fraction = date.getMilliseconds() * 1000 + (micros % 1000);
  return `${localDate(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(fraction, 6)}`;
}

/** Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, exponent outside 1e-4..1e16. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e16 || abs < 1e-4) {
    const [mantissa, exponent] = value.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** One CSV line (no newline) for a sample taken at `date`. */
export function formatTracerRow(date: Date, reading: TracerReading, micros = 0): string {
  const cells = [formatLocalDatetime(date, micros)];
  for (const column of TRACER_COLUMNS) cells.push(pythonFloatRepr(reading[column]));
  return cells.join(',');
}

/**
 * Splits CSV text into rows as PHP's fgetcsv does for these files (quoted fields supported).
 * Only lines ended by "\n" are complete: an unterminated last line is a row still being written or
 * torn by a crash, and is left out. `consumed` is the number of bytes of complete lines.
 */
export function parseCsvLines(text: string): { rows: string[][]; consumedChars: number } {
  const rows: string[][] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end === -1) break;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line !== '') rows.push(line.includes('"') ? splitQuoted(line) : line.split(','));
    start = end + 1;
  }
  return { rows, consumedChars: start };
}

function splitQuoted(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
