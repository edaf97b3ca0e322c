/**
 * The node's website, as Apache served `frontend/` on an original Solar Protocol node: the site
 * directory at `/`, the steward's directory at `/local/`, and the low-power page at `/` while the
 * battery is low. Mounted after every route: only a GET or HEAD no route took reaches it, and the
 * API's prefixes are never served from files even when their feature is off.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Context, Middleware, Next } from 'koa';
import { batteryFraction, isLowPower } from '../site/low-power.js';
import {
  type Lookup,
  type LookupOptions,
  lookup,
  parseSitePath,
  type StaticFile,
} from '../site/static-files.js';

export interface SiteDeps {
  /** The website at `/`; unset: only `/local/` is served (when set). */
  dir?: string;
  /** The steward's pages at `/local/`. */
  localDir?: string;
  lowPowerBelowPercent: number;
  lowPowerIndex: string;
  maxAgeSeconds: number;
  /** The newest `battery percentage` cell as chargecontroller.php echoes it ('' when none). */
  battery: () => string;
}

/** Paths the site never answers: the API, health, WebSocket, dashboard, docs and metrics. */
export const RESERVED_PATHS = ['/api', '/health', '/ws', '/dashboard', '/docs', '/openapi.json', '/metrics'];

const reserved = (path: string) =>
  RESERVED_PATHS.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}.`));

/** How a visitor leaving mid-download ends the stream: not a fault of the node. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Bytes read from disk at a time: a large file never sits in memory whole. */
const CHUNK = 64 * 1024;

/** The website middleware; app.ts uses it after the router. */
export function siteRoutes(deps: SiteDeps): Middleware {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (reserved(ctx.path.toLowerCase())) return next();
    // A path a route knows only with other methods gets the router's 405, not a file; a route for
    // this method that passed (the dashboard's `/` while a site is served) leaves it to the site.
    const routes = (ctx as { matched?: { methods: string[] }[] }).matched?.filter(
      (l) => l.methods.length > 0,
    );
    if (routes?.length && !routes.some((l) => l.methods.includes(ctx.method))) return next();
    const local = deps.localDir !== undefined && (ctx.path === '/local' || ctx.path.startsWith('/local/'));
    const root = local ? deps.localDir : deps.dir;
    if (root === undefined) return next();
    const prefix = local ? '/local' : '';
    const path = parseSitePath(ctx.path.slice(prefix.length));
    const options: LookupOptions = {
      acceptEncoding: ctx.get('Accept-Encoding'),
      maxAgeSeconds: deps.maxAgeSeconds,
      prefix,
    };
    let found: Lookup | undefined;
    const front =
      path.segments.length === 0 || (path.segments.length === 1 && path.segments[0] === 'index.html');
    if (!local && front && isLowPower(batteryFraction(deps.battery()), deps.lowPowerBelowPercent)) {
      const small = await lookup(root, parseSitePath(`/${deps.lowPowerIndex}`), options);
      if (small.kind === 'file') found = small;
    }
    found ??= await lookup(root, path, options);
    if (found.kind === 'missing') return next();
    if (found.kind === 'redirect') {
      ctx.status = 301;
      ctx.redirect(ctx.querystring ? `${found.location}?${ctx.querystring}` : found.location);
      return;
    }
    await send(ctx, found);
  };
}

/** Headers, then 304, HEAD, or the file streamed in bounded chunks. */
async function send(ctx: Context, file: StaticFile): Promise<void> {
  ctx.status = 200;
  ctx.set(file.headers);
  // Apache set this on the original frontend: other nodes' pages read /local/serverprofile.gif.
  ctx.set('Access-Control-Allow-Origin', '*');
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.length = file.size;
  if (ctx.method === 'HEAD') return;
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch {
    // Removed or made unreadable since the lookup: as if it had never been there.
    ctx.remove('Content-Length');
    ctx.status = 404;
    return;
  }
  if (file.size === 0) {
    await handle.close();
    ctx.body = '';
    return;
  }
  // Read no further than the size announced, even if the file grows meanwhile.
  const stream = handle.createReadStream({ start: 0, end: file.size - 1, highWaterMark: CHUNK });
  // Streamed here rather than by Koa: a visitor who leaves mid-download is not an error to log.
  ctx.respond = false;
  pipeline(stream, ctx.res, (error) => {
    if (error && !CLIENT_GONE.has((error as NodeJS.ErrnoException).code ?? '')) {
      ctx.app.emit('error', error, ctx);
    }
  });
}
