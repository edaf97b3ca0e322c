import type Router from '@koa/router';
import { InputError, PimeshError } from '../../errors.js';
import { type PolledStore, SOURCE_NAME } from '../../poller/polled-store.js';
import { flatErrorMiddleware } from '../errors.js';
import { limitParam, queryParam } from './pi-backend.js';

export const DEFAULT_POLLED_LIMIT = 100;
export const MAX_POLLED_LIMIT = 1000;

export interface PolledDeps {
  store: PolledStore;
  /** Every source name the poller knows (on or off): others are a 404. */
  sources: readonly string[];
}

/** `since=`: an ISO 8601 time or epoch seconds → ms; a 400 naming `since` otherwise. */
export function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  let ms = Number.NaN;
  if (/^\d{1,12}(\.\d+)?$/.test(raw)) ms = Number(raw) * 1000;
  else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw))
    ms = Date.parse(raw);
  if (!Number.isFinite(ms)) {
    throw new InputError('since must be an ISO 8601 time (2025-06-27T12:00:00Z) or epoch seconds');
  }
  return ms;
}

/**
 * `GET /api/polled?source=gps&since=&limit=`: what the poller stored for one source, newest `limit`
 * records taken after `since`, oldest first, as `[{timestamp, source, data}]`. Public, like the
 * other reading endpoints.
 */
export function polledRoutes(router: Router, deps: PolledDeps): void {
  router.get('/api/polled', flatErrorMiddleware, async (ctx) => {
    const source = queryParam(ctx, 'source');
    if (source === undefined || source === '') {
      throw new InputError(`source is required (one of: ${deps.sources.join(', ')})`);
    }
    if (!SOURCE_NAME.test(source)) throw new InputError('source must be a lower-case name such as gps');
    if (!deps.sources.includes(source)) {
      throw new PimeshError(`no polled source '${source}' (known: ${deps.sources.join(', ')})`, {
        code: 'ERR_NOT_FOUND',
        status: 404,
      });
    }
    const sinceMs = parseSince(queryParam(ctx, 'since'));
    const limit = limitParam(ctx, MAX_POLLED_LIMIT) ?? DEFAULT_POLLED_LIMIT;
    ctx.body = await deps.store.read(source, { sinceMs, limit });
  });
}
