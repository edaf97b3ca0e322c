import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../helpers/gossip/memory-transport.js';

/**
 * Generates charge-controller data as a Solar Protocol node's logger writes it: one
 * `tracerData<YYYY-MM-DD>.csv` per local day, one row a minute, values as Python's repr(float).
 * Self-contained on purpose: the fixture states the file format rather than reusing pimesh's writer.
 */

export const TRACER_HEADER_LINE =
  'datetime,PV voltage,PV current,PV power L,PV power H,battery voltage,battery current,battery power L,' +
  'battery power H,load voltage,load current,load power,battery percentage';

export const TRACER_COLUMNS = TRACER_HEADER_LINE.split(',');

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The node-local calendar date YYYY-MM-DD (getFullYear/getMonth/getDate). */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Python's repr() of `value` rounded to 2 decimals: 0.0, 12.0, 13.28. */
export function pyFloat(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  if (rounded === 0) return '0.0';
  return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
}

const PV_WATTS = 50;
/** 12 V x 20 Ah. */
const BATTERY_WH = 240;

/**
 * One day's rows (without header) for a 50 W panel on a 12 V battery: dark until 06:30, a sine
 * day to 19:00 with passing clouds, a small constant load. `soc` (0-1) carries over from the day before.
 */
function dayRows(
  date: string,
  rowsPerDay: number,
  seed: number,
  soc: number,
): { lines: string[]; soc: number } {
  const rand = seededRandom(seed);
  const clearness = 0.55 + 0.45 * rand();
  const second = 10 + Math.floor(rand() * 40);
  const lines: string[] = [];
  for (let i = 0; i < rowsPerDay; i++) {
    const minuteOfDay = Math.floor((i * 1440) / rowsPerDay);
    const hour = minuteOfDay / 60;
    const sun = Math.max(0, Math.sin((Math.PI * (hour - 6.5)) / 12.5));
    const cloud = 1 - 0.35 * rand() * (1 - clearness);
    const pvPower = sun > 0 ? PV_WATTS * sun ** 1.3 * clearness * cloud : 0;
    const pvVoltage = sun > 0 ? 12.8 + 5 * Math.min(1, sun * 3) + 0.3 * rand() : 0.2 + 0.6 * rand();
    const loadCurrent = 0.16 + 0.08 * rand();
    const batteryVoltage = 11.7 + 1.5 * soc + (pvPower > 1 ? 0.6 * sun : 0) + 0.04 * rand();
    const loadPower = batteryVoltage * loadCurrent;
    soc = Math.min(1, Math.max(0.05, soc + (pvPower * 0.9 - loadPower) / 60 / BATTERY_WH));
    const time = `${pad(Math.floor(hour))}:${pad(minuteOfDay % 60)}:${pad(second)}`;
    const micros = pad(Math.floor(rand() * 1e6), 6);
    const values = [
      pvVoltage,
      pvVoltage > 1 ? pvPower / pvVoltage : 0,
      pvPower,
      0,
      batteryVoltage,
      pvPower / batteryVoltage,
      pvPower,
      0,
      batteryVoltage,
      loadCurrent,
      loadPower,
      soc,
    ];
    lines.push(`${date} ${time}.${micros},${values.map(pyFloat).join(',')}`);
  }
  return { lines, soc };
}

export interface TracerWeek {
  /** `<dataDir>/charge-controller` */
  dir: string;
  /** File names, oldest first; the last is today's. */
  files: string[];
  /** Data rows over all files (headers not counted). */
  rows: number;
  /** Today's last row keyed by header column, as the `?value=` answers should echo it. */
  latest: Record<string, string>;
}

export interface TracerWeekOptions {
  days?: number;
  rowsPerDay?: number;
  /** "Today" (node-local date). */
  now?: Date;
  seed?: number;
}

/** Writes `days` files for the local dates ending at `now` into `<dataDir>/charge-controller/`. */
export function writeTracerWeek(dataDir: string, options: TracerWeekOptions = {}): TracerWeek {
  const { days = 7, rowsPerDay = 1440, now = new Date(), seed = 2021 } = options;
  const dir = join(dataDir, 'charge-controller');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let soc = 0.4;
  let last = '';
  for (let back = days - 1; back >= 0; back--) {
    const date = localDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() - back));
    const day = dayRows(date, rowsPerDay, seed + back, soc);
    soc = day.soc;
    const name = `tracerData${date}.csv`;
    writeFileSync(join(dir, name), `${TRACER_HEADER_LINE}\n${day.lines.join('\n')}\n`);
    files.push(name);
    last = day.lines.at(-1) ?? '';
  }
  const cells = last.split(',');
  const latest = Object.fromEntries(TRACER_COLUMNS.map((column, i) => [column, cells[i] ?? '']));
  return { dir, files, rows: days * rowsPerDay, latest };
}
