/**
 * The statistics answers of the original backend (spec D.4), made from the store's figures:
 * realtime, range, hourly, daily, distribution, histogram and the unique count. Times are ISO in the
 * configured zone; `estimated_people` and averages as the original rounds them.
 */
import { averageRssi, estimatedPeople, pythonRound, ZONES, type Zone } from './rules.js';
import type { ByZone, DetectionStore, ZoneFigures } from './store.js';
import { MINUTE_US, SECOND_US, type ZoneClock } from './zoned-time.js';

export interface StatsContext {
  store: DetectionStore;
  clock: ZoneClock;
  devicesPerPerson: number;
  /** Microseconds since the epoch. */
  nowUs: number;
}

export const HISTOGRAM_RANGES = ['hour', 'today', 'week'] as const;
export type HistogramRange = (typeof HISTOGRAM_RANGES)[number];

function zoneEntry(f: ZoneFigures, ratio: number) {
  return {
    unique_devices: f.unique,
    total_detections: f.detections,
    estimated_people: estimatedPeople(f.unique, ratio),
    avg_rssi: averageRssi(f.rssiSum, f.detections),
  };
}

/** `by_zone` (every zone, zeros included) and `total` (the sum of the zones' distinct devices, as the original). */
function zonesAndTotal(byZone: ByZone, ratio: number) {
  const by_zone = Object.fromEntries(ZONES.map((z) => [z, zoneEntry(byZone[z], ratio)]));
  const unique = ZONES.reduce((n, z) => n + byZone[z].unique, 0);
  const detections = ZONES.reduce((n, z) => n + byZone[z].detections, 0);
  return {
    by_zone,
    total: {
      unique_devices: unique,
      total_detections: detections,
      estimated_people: estimatedPeople(unique, ratio),
    },
  };
}

/** `GET /statistics/realtime`: the last `minutes`, `[now - minutes, now + 1 s)`. */
export async function realtime(ctx: StatsContext, minutes: number, deviceId?: string) {
  const figures = await ctx.store.window({
    from: ctx.nowUs - minutes * MINUTE_US,
    to: ctx.nowUs + SECOND_US,
    deviceId,
  });
  const { by_zone, total } = zonesAndTotal(figures.byZone, ctx.devicesPerPerson);
  return { timestamp: ctx.clock.iso(ctx.nowUs), time_window_minutes: minutes, by_zone, total };
}

/** `GET /statistics/range`: `[start, end]`, both included. */
export async function range(ctx: StatsContext, start: number, end: number, deviceId?: string) {
  const figures = await ctx.store.window({ from: start, to: end + 1, deviceId });
  const { by_zone, total } = zonesAndTotal(figures.byZone, ctx.devicesPerPerson);
  return {
    timestamp: ctx.clock.iso(ctx.nowUs),
    start_time: ctx.clock.iso(start),
    end_time: ctx.clock.iso(end),
    total: { ...total, avg_rssi: null },
    by_zone,
  };
}

/** One line per bucket and zone with detections, in time then zone order. */
async function periods(ctx: StatsContext, level: 'h' | 'd', from: number, to: number) {
  const rows = await ctx.store.buckets({ level, from, to });
  const order = (z: Zone) => ZONES.indexOf(z);
  rows.sort((a, b) => a.bucket - b.bucket || order(a.zone) - order(b.zone));
  return rows.map((r) => ({
    period_type: level === 'h' ? 'hour' : 'day',
    period_start: ctx.clock.iso(r.bucket),
    zone: r.zone,
    ...zoneEntry(r, ctx.devicesPerPerson),
  }));
}

/** A local date's start; `date` as year, month, day, or today. */
function dayStart(ctx: StatsContext, date?: { year: number; month: number; day: number }): number {
  return date ? ctx.clock.instant(date.year, date.month, date.day) : ctx.clock.startOfDay(ctx.nowUs);
}

/** `GET /statistics/hourly`: the hours of one local date (default today). */
export async function hourly(ctx: StatsContext, date?: { year: number; month: number; day: number }) {
  const start = dayStart(ctx, date);
  return {
    date: ctx.clock.date(start),
    statistics: await periods(ctx, 'h', start, ctx.clock.addDays(start, 1)),
  };
}

/** `GET /statistics/daily`: local dates from start to end, both included (default: the last `days` to today). */
export async function daily(
  ctx: StatsContext,
  days: number,
  startDate?: { year: number; month: number; day: number },
  endDate?: { year: number; month: number; day: number },
) {
  const end = dayStart(ctx, endDate);
  const start = startDate ? dayStart(ctx, startDate) : ctx.clock.addDays(end, -(days - 1));
  return {
    start_date: ctx.clock.date(start),
    end_date: ctx.clock.date(end),
    statistics: start <= end ? await periods(ctx, 'd', start, ctx.clock.addDays(end, 1)) : [],
  };
}

/** `GET /statistics/distribution`: detections per zone over the last `hours`, with percentages (2 dp). */
export async function distribution(ctx: StatsContext, hours: number) {
  const from = ctx.nowUs - hours * 60 * MINUTE_US;
  const { byZone } = await ctx.store.window({ from, to: ctx.nowUs + 1, unique: false });
  const total = ZONES.reduce((n, z) => n + byZone[z].detections, 0);
  const share = (n: number) => (total === 0 ? 0 : pythonRound((n / total) * 100, 2));
  return {
    start_time: ctx.clock.iso(from),
    end_time: ctx.clock.iso(ctx.nowUs),
    total,
    distribution: Object.fromEntries(
      ZONES.map((z) => [z, { count: byZone[z].detections, percentage: share(byZone[z].detections) }]),
    ),
  };
}

/** `GET /detections/count`: distinct devices over the last `hours`, in one zone or all together. */
export async function uniqueCount(ctx: StatsContext, hours: number, zone?: Zone, zoneText?: string) {
  const from = ctx.nowUs - hours * 60 * MINUTE_US;
  const figures = await ctx.store.window({ from, to: ctx.nowUs + 1, zone, acrossZones: true });
  const unique = figures.acrossZones ?? 0;
  return {
    start_time: ctx.clock.iso(from),
    end_time: ctx.clock.iso(ctx.nowUs),
    zone: zoneText ?? null,
    unique_devices: unique,
    estimated_people: estimatedPeople(unique, ctx.devicesPerPerson),
  };
}

/** The bins of a histogram: edges in time, how they are counted, and their label. */
function histogramBins(ctx: StatsContext, kind: HistogramRange) {
  const { clock } = ctx;
  if (kind === 'hour') {
    const start = clock.startOfHour(ctx.nowUs);
    return { edges: [0, 1, 2, 3, 4, 5, 6].map((i) => start + i * 10 * MINUTE_US), interval: '10 minutes' };
  }
  const today = clock.startOfDay(ctx.nowUs);
  if (kind === 'today') {
    const f = clock.fields(today);
    const edges = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => clock.instant(f.year, f.month, f.day, i * 3));
    return { edges: [...edges, clock.addDays(today, 1)], interval: '3 hours' };
  }
  const first = clock.addDays(today, -6);
  return {
    edges: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (i === 0 ? first : clock.addDays(first, i))),
    interval: '1 day',
  };
}

/**
 * `GET /statistics/histogram`: distinct devices per zone and bin (empty bins included), from the
 * raw rows for the hour, the hour buckets for today, the day buckets' counters for the week.
 */
export async function histogram(ctx: StatsContext, kind: HistogramRange, deviceId?: string) {
  const { edges, interval } = histogramBins(ctx, kind);
  const counts = edges.slice(0, -1).map(() => ({ near: 0, medium: 0, far: 0 }));
  const add = (bin: number, zone: Zone, n: number) => {
    const key = zone.toLowerCase() as 'near' | 'medium' | 'far';
    if (counts[bin]) counts[bin][key] += n;
  };
  if (kind === 'week') {
    const rows = await ctx.store.buckets({
      level: 'd',
      from: edges[0],
      to: edges[edges.length - 1],
      deviceId,
    });
    for (const r of rows)
      add(
        edges.findLastIndex((e) => e <= r.bucket),
        r.zone,
        r.unique,
      );
  } else {
    const source = kind === 'hour' ? 'raw' : 'h';
    for (const r of await ctx.store.binnedUnique({ edges, source, deviceId })) add(r.bin, r.zone, r.unique);
  }
  return {
    timestamp: ctx.clock.iso(ctx.nowUs),
    range: kind,
    bin_interval: interval,
    start_time: ctx.clock.iso(edges[0]),
    end_time: ctx.clock.iso(edges[edges.length - 1]),
    buckets: counts.map((by_zone, i) => ({
      period_start: ctx.clock.iso(edges[i]),
      period_end: ctx.clock.iso(edges[i + 1]),
      by_zone,
      total: by_zone.near + by_zone.medium + by_zone.far,
    })),
  };
}
