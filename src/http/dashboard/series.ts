/**
 * The dashboard's readings, read from the node's own tracer CSVs: the newest row as figures, and the
 * last 24 h and 7 d downsampled on the server (a mean per bucket), so a chart costs a few hundred
 * numbers whatever the sampling rate.
 */
import { parseNaiveDatetime } from '../../readings/local-time.js';
import type { TracerDay, TracerStore } from '../../readings/tracer-store.js';

/** The newest sample, in the units the page shows. */
export interface NowFigures {
  /** Epoch ms of the row (node-local naive time read in the node's zone). */
  at: number;
  pvW: number | null;
  pvV: number | null;
  batteryPct: number | null;
  batteryV: number | null;
  loadW: number | null;
}

/** One chart's series: bucket start times and a mean per bucket (null: no sample in it). */
export interface Series {
  from: number;
  to: number;
  bucketMs: number;
  pvW: (number | null)[];
  batteryPct: (number | null)[];
  loadW: (number | null)[];
}

const HOUR = 3_600_000;
/** 24 h in 15-minute buckets, 7 d in hourly ones: 96 and 168 points per line. */
export const RANGES = { day: { ms: 24 * HOUR, buckets: 96 }, week: { ms: 7 * 24 * HOUR, buckets: 168 } };

const num = (cell: string | undefined): number | null => {
  if (cell === undefined || cell.trim() === '') return null;
  const n = Number(cell);
  return Number.isFinite(n) ? n : null;
};

interface Columns {
  pvL: number;
  pvH: number;
  pvV: number;
  batPct: number;
  batV: number;
  load: number;
}

function columns(header: readonly string[]): Columns {
  return {
    pvL: header.indexOf('PV power L'),
    pvH: header.indexOf('PV power H'),
    pvV: header.indexOf('PV voltage'),
    batPct: header.indexOf('battery percentage'),
    batV: header.indexOf('battery voltage'),
    load: header.indexOf('load power'),
  };
}

/** Watts from the L and H words (each register / 100, as the CSV holds them): L + H × 65536. */
function watts(row: readonly string[], c: Columns): number | null {
  const low = num(row[c.pvL]);
  if (low === null) return null;
  return low + (num(row[c.pvH]) ?? 0) * 65536;
}

function figures(row: readonly string[], c: Columns, at: number): NowFigures {
  const fraction = num(row[c.batPct]);
  return {
    at,
    pvW: c.pvL === -1 ? null : watts(row, c),
    pvV: num(row[c.pvV]),
    batteryPct: fraction === null ? null : fraction * 100,
    batteryV: num(row[c.batV]),
    loadW: num(row[c.load]),
  };
}

/** Reads the tracer directory for the dashboard; series are recomputed only when a file changed. */
export class DashboardReadings {
  readonly #store: TracerStore;
  readonly #zone: string | undefined;
  #cache: { key: string; value: { day: Series; week: Series } } | undefined;

  constructor(store: TracerStore, zone?: string) {
    this.#store = store;
    this.#zone = zone;
  }

  /** The newest files (up to 8: 7 full days may span 8 local dates), oldest first. */
  #days(): TracerDay[] {
    const names = this.#store.listFiles().slice(-8);
    return names.flatMap((n) => this.#store.read(n) ?? []);
  }

  #time(row: readonly string[]): number | undefined {
    return parseNaiveDatetime(row[0] ?? '', this.#zone);
  }

  /** The newest row of the newest file with rows, or null when there is none. */
  now(): NowFigures | null {
    const days = this.#days();
    for (let i = days.length - 1; i >= 0; i--) {
      const rows = days[i].rows;
      if (rows.length < 2) continue;
      const row = rows[rows.length - 1];
      const at = this.#time(row);
      if (at !== undefined) return figures(row, columns(rows[0]), at);
    }
    return null;
  }

  /** The 24 h and 7 d series ending at `now` (ms). */
  series(now: number): { day: Series; week: Series } {
    const days = this.#days();
    const bucket = Math.floor(now / (15 * 60_000));
    const key = `${bucket}|${days.map((d) => `${d.name}:${d.version}`).join('|')}`;
    if (this.#cache?.key === key) return this.#cache.value;
    const end = (bucket + 1) * 15 * 60_000;
    const day = emptySeries(end, RANGES.day.ms, RANGES.day.buckets);
    const week = emptySeries(end, RANGES.week.ms, RANGES.week.buckets);
    const sums = [accumulator(day), accumulator(week)];
    for (const d of days) {
      if (d.rows.length < 2) continue;
      const c = columns(d.rows[0]);
      for (let i = 1; i < d.rows.length; i++) {
        const row = d.rows[i];
        const at = this.#time(row);
        if (at === undefined || at < week.from || at >= end) continue;
        const f = figures(row, c, at);
        for (const acc of sums) acc.add(f);
      }
    }
    for (const acc of sums) acc.finish();
    const value = { day, week };
    this.#cache = { key, value };
    return value;
  }
}

function emptySeries(to: number, ms: number, buckets: number): Series {
  const fill = () => new Array<number | null>(buckets).fill(null);
  return { from: to - ms, to, bucketMs: ms / buckets, pvW: fill(), batteryPct: fill(), loadW: fill() };
}

function accumulator(series: Series) {
  const n = series.pvW.length;
  const keys = ['pvW', 'batteryPct', 'loadW'] as const;
  const sum = keys.map(() => new Float64Array(n));
  const count = keys.map(() => new Uint32Array(n));
  return {
    add(f: NowFigures) {
      if (f.at < series.from) return;
      const i = Math.floor((f.at - series.from) / series.bucketMs);
      if (i < 0 || i >= n) return;
      keys.forEach((k, j) => {
        const v = f[k];
        if (v === null) return;
        sum[j][i] += v;
        count[j][i]++;
      });
    },
    finish() {
      keys.forEach((k, j) => {
        for (let i = 0; i < n; i++) series[k][i] = count[j][i] === 0 ? null : sum[j][i] / count[j][i];
      });
    },
  };
}
