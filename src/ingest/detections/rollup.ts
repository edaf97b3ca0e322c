/**
 * What a set of stored detections adds to the rollup (see buckets.ts), for both stores: per bin
 * (scope, level, bucket, zone) the detections and RSSI sum to add and the distinct hashes seen. A
 * store inserts the hashes its seen-set did not have yet and adds that many distinct devices to the
 * bin, so a bin's `unique_devices` is exact without a scan.
 *
 * Every detection counts twice: under its agent's device_id, and under ALL_AGENTS.
 */
import { bucketOf, type Level } from './buckets.js';
import type { Zone } from './rules.js';
import { HOUR_US, type ZoneClock } from './zoned-time.js';

/** The scope of figures over every agent (a device_id is never empty). */
export const ALL_AGENTS = '';

export interface RollupInput {
  device_id: string;
  device_hash: string;
  rssi: number;
  zone: Zone;
  us: number;
}

export interface BinDelta {
  scope: string;
  level: Level;
  bucket: number;
  zone: Zone;
  /** Distinct devices added: the store counts here its new seen-set entries of `hashes`. */
  unique: number;
  detections: number;
  rssiSum: number;
  /** The bin's distinct hashes in these rows: its seen-set entries to insert. */
  hashes: string[];
}

interface Group {
  device_id: string;
  hour: number;
  day: number;
  zone: Zone;
  hashes: Set<string>;
  detections: number;
  rssiSum: number;
}

/**
 * The rollup of `rows`: each bin once, with its totals and its distinct hashes. Rows are grouped
 * first by agent, hour and zone (one short key per row), then the groups spread to the four bins
 * each row counts in (its agent's hour and day, every agent's hour and day).
 */
export function rollup(rows: readonly RollupInput[], clock: ZoneClock): BinDelta[] {
  const groups = new Map<string, Group>();
  let hourStart = Number.NaN;
  let hourEnd = Number.NaN;
  let day = 0;
  for (const row of rows) {
    if (!(row.us >= hourStart && row.us < hourEnd)) {
      hourStart = bucketOf(row.us, 'h', clock);
      // Within a whole hour after its start, the bucket is the same (an hour shortened by a clock change is not cached).
      hourEnd =
        clock.startOfHour(hourStart + HOUR_US) === hourStart + HOUR_US ? hourStart + HOUR_US : hourStart + 1;
      day = bucketOf(row.us, 'd', clock);
    }
    const key = `${row.device_id}\u0000${hourStart}\u0000${row.zone}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        device_id: row.device_id,
        hour: hourStart,
        day,
        zone: row.zone,
        hashes: new Set(),
        detections: 0,
        rssiSum: 0,
      };
      groups.set(key, group);
    }
    group.hashes.add(row.device_hash);
    group.detections++;
    group.rssiSum += row.rssi;
  }
  const bins = new Map<string, BinDelta & { set?: Set<string> }>();
  const add = (scope: string, level: Level, bucket: number, g: Group) => {
    const key = `${scope}\u0000${level}\u0000${bucket}\u0000${g.zone}`;
    const bin = bins.get(key);
    if (!bin) {
      bins.set(key, {
        scope,
        level,
        bucket,
        zone: g.zone,
        unique: 0,
        detections: g.detections,
        rssiSum: g.rssiSum,
        hashes: [],
        set: g.hashes,
      });
      return;
    }
    bin.detections += g.detections;
    bin.rssiSum += g.rssiSum;
    // A second group in the same bin: the bin gets a set of its own (the group's is shared).
    const merged = new Set(bin.set);
    for (const h of g.hashes) merged.add(h);
    bin.set = merged;
  };
  for (const g of groups.values()) {
    for (const scope of [g.device_id, ALL_AGENTS]) {
      add(scope, 'h', g.hour, g);
      add(scope, 'd', g.day, g);
    }
  }
  return [...bins.values()].map(({ set, ...bin }) => ({ ...bin, hashes: [...(set ?? [])] }));
}

/** Bins in key order: writers that upsert in this order cannot deadlock on each other's rows. */
export function binOrder(a: BinDelta, b: BinDelta): number {
  return (
    compare(a.scope, b.scope) || compare(a.level, b.level) || a.bucket - b.bucket || compare(a.zone, b.zone)
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
