/**
 * HTTP request counts and latencies for `/metrics`, kept without prom-client (which is loaded only
 * when someone scrapes): one entry per method, matched route pattern and status, with fixed
 * buckets. Labels come from bounded sets only (never the raw path), and the number of entries is
 * capped, so no caller can grow this map.
 */
import type { Context, Next } from 'koa';

/**
 * Upper bounds in seconds: a Pi answers most requests in a few ms, a slow peer or disk in seconds.
 * Few on purpose: every bucket is a line per series in every scrape.
 */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** The route label of a request that matched no route (a 404, a probe for /wp-login.php). */
export const UNMATCHED = 'unmatched';

/** More distinct series than any real node has; past it, new ones are counted under OVERFLOW. */
const MAX_SERIES = 1024;
const OVERFLOW = 'overflow';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The method as a label: the usual ones as they are, anything else `other`. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'other';
}

/** Requests answered with one status on one route. */
export interface RequestCount {
  method: string;
  route: string;
  status: string;
  count: number;
}

/** Latencies on one route, whatever the status (a status label would multiply the histogram's lines). */
export interface RouteLatency {
  method: string;
  route: string;
  count: number;
  /** Seconds, summed. */
  sum: number;
  /** Per bucket of LATENCY_BUCKETS, not cumulative; the last slot counts what is above them all. */
  buckets: number[];
}

/** A capped map: once full, new keys go to the overflow entry. */
function entry<T>(map: Map<string, T>, key: string, overflowKey: string, make: (full: boolean) => T): T {
  let found = map.get(key);
  if (found !== undefined) return found;
  const full = map.size >= MAX_SERIES;
  const k = full ? overflowKey : key;
  found = map.get(k);
  if (found === undefined) {
    found = make(full);
    map.set(k, found);
  }
  return found;
}

export class RequestStats {
  readonly #counts = new Map<string, RequestCount>();
  readonly #latency = new Map<string, RouteLatency>();

  /** One answered request: its method, route pattern, status and duration in seconds. */
  record(method: string, route: string, status: number, seconds: number): void {
    this.recorder(method, route, status)(seconds);
  }

  /**
   * A counter of one method, route and status, its entries looked up once: for the hot path, which
   * answers the same few routes again and again.
   */
  recorder(method: string, route: string, status: number): (seconds: number) => void {
    const code = status >= 100 && status <= 599 ? String(status) : 'other';
    const counted = entry(this.#counts, `${method} ${code} ${route}`, `${method} ${code} `, (full) => ({
      method,
      route: full ? OVERFLOW : route,
      status: code,
      count: 0,
    }));
    const timed = entry(this.#latency, `${method} ${route}`, `${method} `, (full) => ({
      method,
      route: full ? OVERFLOW : route,
      count: 0,
      sum: 0,
      buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
    }));
    return (seconds) => {
      counted.count++;
      timed.count++;
      timed.sum += seconds;
      let i = 0;
      while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
      timed.buckets[i]++;
    };
  }

  counts(): IterableIterator<RequestCount> {
    return this.#counts.values();
  }

  latencies(): IterableIterator<RouteLatency> {
    return this.#latency.values();
  }
}

/** The matched route's pattern (`@koa/router` sets it; a RegExp route shows its source). */
function routeOf(ctx: Context): string {
  const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  return matched === undefined ? UNMATCHED : String(matched);
}

/** Koa middleware, outside the error middleware so it sees the status the client gets. */
export function requestMetrics(stats: RequestStats) {
  return async function countRequest(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    let failed = false;
    try {
      await next();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      stats.record(methodLabel(ctx.method), routeOf(ctx), failed ? 500 : ctx.status, seconds);
    }
  };
}
