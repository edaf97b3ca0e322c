import { withTimeout } from '../util/timeout.js';
import type { SystemSource, SystemStats } from './collector.js';

export interface StatsRequest {
  /** Serve a fresh cached answer (default). */
  cache: boolean;
  /** Measure CPU usage over one second. */
  block: boolean;
  /** Top-level keys to keep; undefined = all. */
  fields?: string[];
}

/** A query value as Flask's request.args.get gives it: the first one. */
export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * piStat's /stats parameters: `cache` is true unless given as anything but "true" (any case), so
 * `cache=false` and `cache=0` both bypass it; `block` only for "true"; `fields` comma-separated,
 * trimmed, empty meaning all.
 */
export function parseStatsRequest(query: Record<string, string | string[] | undefined>): StatsRequest {
  const cache = first(query.cache);
  const block = first(query.block);
  const fields = first(query.fields);
  return {
    cache: cache === undefined || cache.toLowerCase() === 'true',
    block: block?.toLowerCase() === 'true',
    fields: fields ? fields.split(',').map((name) => name.trim()) : undefined,
  };
}

/** Only the named top-level keys that exist; unknown names are dropped (all unknown → `{}`). */
export function pickFields(stats: SystemStats, fields: string[] | undefined): Partial<SystemStats> {
  if (!fields) return stats;
  const wanted = new Set(fields);
  return Object.fromEntries(Object.entries(stats).filter(([key]) => wanted.has(key))) as Partial<SystemStats>;
}

export interface StatsCacheOptions {
  source: SystemSource;
  /** How long an answer is served again (0: only within the same millisecond). */
  ttlMs: number;
  /** A monotonic clock in ms (default performance.now), so wall-clock steps do not matter. */
  monotonicMs?: () => number;
  /** The CPU measurement interval of `block=true` (piStat: 1 s). */
  blockMs?: number;
  /** A collection taking longer is an error. */
  timeoutMs?: number;
}

/**
 * One cache entry holding the full /stats object, as piStat keeps it: a fresh entry (age ≤ TTL) is
 * served to `cache=true` requests; every collection, `cache=false` ones too, replaces it. Concurrent
 * requests that need a collection share the one in flight, so a burst costs one collection.
 */
export class StatsCache {
  readonly #options: Required<StatsCacheOptions>;
  #entry?: { stats: SystemStats; at: number };
  readonly #inFlight = new Map<boolean, Promise<SystemStats>>();

  constructor(options: StatsCacheOptions) {
    this.#options = {
      source: options.source,
      ttlMs: options.ttlMs,
      monotonicMs: options.monotonicMs ?? (() => performance.now()),
      blockMs: options.blockMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
  }

  async get(request: Pick<StatsRequest, 'cache' | 'block'>): Promise<SystemStats> {
    const { monotonicMs, ttlMs } = this.#options;
    const entry = this.#entry;
    if (request.cache && entry && monotonicMs() - entry.at <= ttlMs) return entry.stats;
    return this.#collect(request.block);
  }

  /** The cached answer if any (fresh or not), for tests and diagnostics. */
  peek(): SystemStats | undefined {
    return this.#entry?.stats;
  }

  #collect(block: boolean): Promise<SystemStats> {
    const running = this.#inFlight.get(block);
    if (running) return running;
    const { source, blockMs, timeoutMs, monotonicMs } = this.#options;
    const collection = withTimeout(
      source.stats(block ? blockMs : 0),
      timeoutMs + (block ? blockMs : 0),
      () => new Error(`system statistics took longer than ${timeoutMs} ms`),
    )
      .then((stats) => {
        this.#entry = { stats, at: monotonicMs() };
        return stats;
      })
      .finally(() => this.#inFlight.delete(block));
    this.#inFlight.set(block, collection);
    return collection;
  }
}
