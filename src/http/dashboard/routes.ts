/**
 * The dashboard's routes:
 * - `GET /dashboard` (and `/` while no site is served): the page; `?lite` the low-power one, `?full`
 *   the full one whatever the battery;
 * - `GET /dashboard/charts`: the charts alone (the script fetches them again now and then);
 * - `GET /dashboard.css`, `/dashboard.js`: the assets, with an ETag, cached for a year under a
 *   versioned URL, gzipped for clients that accept it;
 * - `GET /api/dashboard`: the same figures as JSON;
 * - `GET /api/dashboard/live`: Server-Sent Events, a `sample` event per stored sample.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { PimeshError } from '../../errors.js';
import { exemptFromResponseDeadline } from '../server.js';
import { chartsHtml } from './charts.js';
import { DASHBOARD_JS } from './client.js';
import { nowText } from './format.js';
import { DashboardHub, type DashboardHubOptions, sseEvent } from './live.js';
import { buildView, type DashboardDeps } from './model.js';
import { dashboardPage, type PageAssets } from './page.js';
import { DASHBOARD_CSS } from './style.js';

interface Asset {
  type: string;
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

function asset(type: string, text: string): Asset {
  const raw = Buffer.from(text);
  const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 16)}"`;
  return { type, raw, gzip: gzipSync(raw, { level: 9 }), etag };
}

const CSS = asset('text/css; charset=utf-8', DASHBOARD_CSS);
const JS = asset('text/javascript; charset=utf-8', DASHBOARD_JS);
const version = (a: Asset) => a.etag.slice(1, 9);
export const ASSETS: PageAssets = {
  css: `/dashboard.css?v=${version(CSS)}`,
  js: `/dashboard.js?v=${version(JS)}`,
};

const acceptsGzip = (ctx: Context) => /\bgzip\b/.test(ctx.get('Accept-Encoding'));

/** A text answer, gzipped when the client takes it (the page is ~10 KB raw, ~3 KB gzipped). */
function sendText(ctx: Context, type: string, body: Buffer, gzip?: Buffer): void {
  ctx.type = type;
  ctx.vary('Accept-Encoding');
  if (acceptsGzip(ctx) && body.length > 512) {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = gzip ?? gzipSync(body);
  } else ctx.body = body;
}

function serveAsset(ctx: Context, a: Asset): void {
  ctx.set('ETag', a.etag);
  ctx.set('Cache-Control', ctx.query.v ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
  if (ctx.get('If-None-Match') === a.etag) {
    ctx.status = 304;
    return;
  }
  sendText(ctx, a.type, a.raw, a.gzip);
}

export interface DashboardRouteOptions extends DashboardHubOptions {
  /** A live stream is ended after this long (its EventSource reconnects); default 30 minutes. */
  liveMaxMs?: number;
}

export function dashboardRoutes(
  router: Router,
  deps: DashboardDeps,
  options: DashboardRouteOptions = {},
): void {
  const hub = new DashboardHub(options);
  const liveMaxMs = options.liveMaxMs ?? 30 * 60_000;
  const sample = () => {
    const now = deps.readings.now();
    return {
      at: now ? new Date(now.at).toISOString() : null,
      batteryPct: now?.batteryPct ?? null,
      text: nowText(now),
    };
  };
  deps.events?.on('sample', () => {
    if (hub.clients > 0) hub.broadcast(sseEvent('sample', sample()));
  });

  const page = async (ctx: Context) => {
    const view = await buildView(deps, ctx.query);
    ctx.set('Cache-Control', 'no-cache');
    sendText(ctx, 'text/html; charset=utf-8', Buffer.from(dashboardPage(view, ASSETS)));
  };
  router.get('/dashboard', page);
  router.get('/', async (ctx, next) => {
    if (deps.serveRoot && !deps.serveRoot()) return next();
    await page(ctx);
  });
  router.get('/dashboard/charts', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    const html = chartsHtml(deps.readings.series((deps.now ?? Date.now)()));
    sendText(ctx, 'text/html; charset=utf-8', Buffer.from(html));
  });
  router.get('/dashboard.css', (ctx) => serveAsset(ctx, CSS));
  router.get('/dashboard.js', (ctx) => serveAsset(ctx, JS));

  router.get('/api/dashboard', async (ctx) => {
    const view = await buildView(deps, ctx.query);
    ctx.set('Cache-Control', 'no-cache');
    sendText(ctx, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(view)));
  });

  router.get('/api/dashboard/live', (ctx) => {
    const res = ctx.res;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    if (!hub.attach(res, `retry: 2000\n\n${sseEvent('sample', sample())}`)) {
      for (const name of ['Content-Type', 'Cache-Control', 'X-Accel-Buffering']) res.removeHeader(name);
      throw new PimeshError('too many dashboard live clients; try again later', {
        code: 'ERR_TOO_MANY_CLIENTS',
        status: 503,
      });
    }
    // Written by the hub from here on, not by Koa, and not held to the answer deadline.
    ctx.respond = false;
    exemptFromResponseDeadline(res);
    const end = setTimeout(() => {
      hub.detach(res);
      res.end();
    }, liveMaxMs);
    res.once('close', () => {
      clearTimeout(end);
      hub.detach(res);
    });
  });
}
