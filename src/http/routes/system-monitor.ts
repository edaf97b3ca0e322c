import { hostname as osHostname } from 'node:os';
import type Router from '@koa/router';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import type { SystemSource } from '../../system/collector.js';
import type { SystemMonitorConfig } from '../../system/config.js';
import { docsPage, SYSTEM_DOCS_PATH } from '../../system/docs.js';
import { compressOnlyOk, rateLimit, securityHeaders } from '../../system/middleware.js';
import { parseProcessLimit, parseProcessSort, sortProcesses } from '../../system/processes.js';
import { SlidingWindowLimiter } from '../../system/sliding-window.js';
import { first, parseStatsRequest, pickFields, StatsCache } from '../../system/stats-cache.js';
import { withTimeout } from '../../util/timeout.js';
import { VERSION } from '../../version.js';
import { flatErrorMiddleware } from '../errors.js';

/** The API version /health reports, piStat's, which its clients may check. */

/**
 * Every path the system monitor owns, subpaths included, so that unknown paths under them get its
 * headers and rate limit too. Nothing of the Solar Protocol API lives under them.
 */
export const SYSTEM_MONITOR_PATHS =
  /^\/(?:stats|processes|health|network|storage|metrics|system|api\/system)(?:\/.*)?$/;

export interface SystemMonitorDeps {
  config: SystemMonitorConfig;
  /** Where the figures come from (the daemon: `new SystemCollector({...})`). */
  source: SystemSource;
  /** The HTTP listener's settings, as /system/config shows them. */
  server: { port: number; host: string; logLevel?: string };
  /** pimesh's version (the docs page, /system/config). */
  version: string;
  /** Epoch ms, for timestamps and X-Response-Time. */
  now?: () => number;
  /** A monotonic clock in ms for the cache and the rate limiter (default performance.now). */
  monotonicMs?: () => number;
  /** Whether the node is doing its job; /health stays 200 and carries it (`status`, `reasons`). */
  nodeState?: () => { status: 'ok' | 'degraded'; reasons: string[] };
  /** More keys for /health from the node's other parts (the TFG backend's `websocket_connections`). */
  healthExtra?: () => Record<string, unknown>;
}

type Handler = (ctx: Context) => Promise<void> | void;

/** A 5xx in piStat's shape; the error itself goes to the app's error log. */
function fail(ctx: Context, status: number, body: Record<string, unknown>, error: unknown): void {
  ctx.status = status;
  ctx.body = body;
  if (status >= 500) ctx.app.emit('error', error, ctx);
}

const details = (error: unknown) => (error instanceof Error ? error.message : String(error));

function handlers(deps: SystemMonitorDeps, cache: StatsCache, router: Router): Record<string, Handler> {
  const { config, source } = deps;
  const now = deps.now ?? Date.now;
  const timestamp = () => now() / 1000;
  const timeoutMs = config.collectTimeoutMs;
  const serialised = new WeakMap<object, string>();
  const settings = { version: deps.version, cacheSeconds: config.cacheSeconds, rateLimit: config.rateLimit };
  let docs: string | undefined;

  return {
    '/stats': async (ctx) => {
      const request = parseStatsRequest(ctx.query);
      try {
        const stats = await cache.get(request);
        if (request.fields) {
          ctx.body = pickFields(stats, request.fields);
        } else {
          // A cached answer is serialised once, however often it is served.
          const json = serialised.get(stats) ?? JSON.stringify(stats);
          serialised.set(stats, json);
          ctx.type = 'application/json; charset=utf-8';
          ctx.body = json;
        }
      } catch (error) {
        fail(
          ctx,
          500,
          { error: 'Failed to collect system statistics', details: details(error), timestamp: timestamp() },
          error,
        );
      }
    },
    '/processes': async (ctx) => {
      const sort = parseProcessSort(first(ctx.query.sort));
      const limit = parseProcessLimit(first(ctx.query.limit));
      if (typeof limit !== 'number') {
        const body = { error: 'Failed to get process information', details: limit.error, code: 'ERR_INPUT' };
        fail(ctx, 400, body, undefined);
        return;
      }
      try {
        const list = await withTimeout(
          source.processes(),
          timeoutMs,
          () => new Error(`the process list took longer than ${timeoutMs} ms`),
        );
        ctx.body = { processes: sortProcesses(list, sort, limit), timestamp: timestamp() };
      } catch (error) {
        fail(ctx, 500, { error: 'Failed to get process information', details: details(error) }, error);
      }
    },
    '/network/interfaces': async (ctx) => {
      const interfaces = await withTimeout(
        source.network(),
        timeoutMs,
        () => new Error('network figures timed out'),
      ).catch(() => ({}));
      ctx.body = { interfaces, timestamp: timestamp() };
    },
    '/storage/devices': async (ctx) => {
      try {
        const storage = await withTimeout(
          source.storage(),
          timeoutMs,
          () => new Error(`storage took longer than ${timeoutMs} ms`),
        );
        ctx.body = { ...storage, timestamp: timestamp() };
      } catch (error) {
        fail(
          ctx,
          500,
          { error: 'Failed to get storage information', details: details(error), timestamp: timestamp() },
          error,
        );
      }
    },
    '/health': async (ctx) => {
      try {
        const health = await withTimeout(
          source.health(),
          timeoutMs,
          () => new Error(`health took longer than ${timeoutMs} ms`),
        );
        const node = deps.nodeState?.();
        ctx.body = {
          status: node?.status === 'degraded' ? 'degraded' : 'healthy',
          ...health,
          timestamp: timestamp(),
          // piStat's key, with pimesh's version: one version string everywhere but /api/version.
          version: VERSION,
          ...(node ? { reasons: node.reasons } : {}),
          ...deps.healthExtra?.(),
        };
      } catch (error) {
        fail(ctx, 500, { status: 'unhealthy', error: details(error), timestamp: timestamp() }, error);
      }
    },
    '/metrics/history': (ctx) => {
      ctx.body = {
        message: 'Historical metrics not implemented yet. Consider using a time-series database.',
        timestamp: timestamp(),
      };
    },
    '/system/config': async (ctx) => {
      const level = deps.server.logLevel ?? 'info';
      ctx.body = {
        platform: process.platform,
        is_raspberry_pi: await source.isRaspberryPi().catch(() => false),
        hostname: osHostname(),
        node_version: process.versions.node,
        version: deps.version,
        server: {
          port: deps.server.port,
          host: deps.server.host,
          debug_mode: level === 'debug' || level === 'trace',
          cache_seconds: config.cacheSeconds,
          rate_limiting: {
            enabled: config.rateLimit.enabled,
            requests: config.rateLimit.requests,
            window: config.rateLimit.windowSeconds,
          },
          compression: { enabled: config.compression.enabled, min_size: config.compression.thresholdBytes },
        },
        timestamp: timestamp(),
      };
    },
    [SYSTEM_DOCS_PATH]: async (ctx) => {
      // Generated on first request from the node's OpenAPI document (its routes and catalog).
      const { documentOf } = await import('../openapi/serve.js');
      docs ??= docsPage(documentOf(router).document, settings);
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = docs;
    },
  };
}

/**
 * piStat's system monitor API: /stats, /processes, /network/interfaces, /storage/devices, /health,
 * /metrics/history, /system/config and the documentation page at /api/system. Every answer under
 * these paths, 404s and 429s included, carries piStat's security headers and passes its rate limit;
 * 200 answers over the threshold are gzipped. Errors have piStat's flat shape.
 */
export function systemMonitorRoutes(router: Router, deps: SystemMonitorDeps): void {
  const { config } = deps;
  if (!config.enabled) return;
  const cache = new StatsCache({
    source: deps.source,
    ttlMs: config.cacheSeconds * 1000,
    monotonicMs: deps.monotonicMs,
    timeoutMs: config.collectTimeoutMs,
  });
  const routes = new Map(Object.entries(handlers(deps, cache, router)));

  const chain: Middleware[] = [securityHeaders(config.cacheSeconds, deps.now)];
  if (config.rateLimit.enabled) {
    const limiter = new SlidingWindowLimiter({
      max: config.rateLimit.requests,
      windowMs: config.rateLimit.windowSeconds * 1000,
      maxKeys: config.rateLimit.maxClients,
      now: deps.monotonicMs,
    });
    chain.push(rateLimit(limiter));
  }
  if (config.compression.enabled) {
    chain.push(lazyCompress(config.compression.thresholdBytes), compressOnlyOk);
  }
  chain.push(flatErrorMiddleware, async (ctx, next) => {
    const handler = routes.get(ctx.path);
    if (!handler) {
      // Another module may own a path under these prefixes; it answers with the monitor's headers.
      await next();
      if (ctx.body === undefined && ctx.status === 404) {
        ctx.status = 404;
        ctx.body = { error: `Not Found: ${ctx.path}`, code: 'ERR_NOT_FOUND' };
      }
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      ctx.status = ctx.method === 'OPTIONS' ? 204 : 405;
      if (ctx.status === 405) ctx.body = { error: `Method ${ctx.method} not allowed`, code: 'ERR_METHOD' };
      return;
    }
    await handler(ctx);
  });
  router.all(SYSTEM_MONITOR_PATHS, ...chain);
}

/** koa-compress, loaded on the first monitor request: a node nobody monitors does not hold it in memory. */
function lazyCompress(threshold: number): Koa.Middleware {
  let compressor: Promise<Koa.Middleware> | undefined;
  return async (ctx, next) => {
    compressor ??= import('koa-compress').then(({ default: compress }) =>
      compress({ threshold, gzip: {}, deflate: false, br: false, zstd: false }),
    );
    return (await compressor)(ctx, next);
  };
}
