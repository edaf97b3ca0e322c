/**
 * The TFG backend's REST API under /api/v1 (spec D.4), for its agents and its dashboard: the same
 * paths, shapes and status codes, errors as FastAPI gives them (`{"detail": ...}`, 422 listing the
 * problems, the original's Spanish texts), and FastAPI's 307 between a path with and without its
 * trailing slash. Deliberate differences: writes need a key (X-API-Key: 401 missing, 403 wrong, 429
 * after too many wrong ones), `POST /detections/` works, zone filters take any case, an invalid zone
 * is a 400 on every route that takes one, bodies are size-capped.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { PimeshError } from '../../errors.js';
import {
  detectionBody,
  deviceUpdateBody,
  registrationBody,
  thresholdsBody,
} from '../../ingest/detections/api-bodies.js';
import { QueryReader, readJsonBody } from '../../ingest/detections/api-params.js';
import { csvStream, exportPlan, exportRequest } from '../../ingest/detections/csv-export.js';
import {
  DetectionsUnavailableError,
  DeviceNotFoundError,
  ValidationError,
} from '../../ingest/detections/errors.js';
import type { Detections } from '../../ingest/detections/index.js';
import {
  detectionJson,
  deviceJson,
  deviceStatsJson,
  thresholdsJson,
  thresholdsUpdatedJson,
} from '../../ingest/detections/json-shapes.js';
import { authorize, keyPresented } from '../../ingest/detections/request-auth.js';
import { validateBatch } from '../../ingest/detections/rules.js';
import {
  daily,
  distribution,
  HISTOGRAM_RANGES,
  histogram,
  hourly,
  range,
  realtime,
  uniqueCount,
} from '../../ingest/detections/statistics.js';
import { MINUTE_US } from '../../ingest/detections/zoned-time.js';

export interface DetectionsRouteDeps {
  /** Undefined when detections are off: every route answers 503 naming the setting. */
  detections: Detections | undefined;
}

/** Small bodies (a device, one detection, thresholds). */
const SMALL_BODY = 16 * 1024;
const MAX_HOURS = 87_600;

/** `{"detail": ...}` for every error of these routes; a fault is a 500 that says nothing more. */
async function detailErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (caught) {
    const error = caught as {
      status?: number;
      statusCode?: number;
      expose?: boolean;
      message?: string;
      headers?: Record<string, string>;
    };
    const status = error.status ?? error.statusCode ?? 500;
    const meant = error.expose === true || status !== 500;
    ctx.status = status;
    if (error.headers) ctx.set(error.headers);
    if (status === 413) ctx.set('Connection', 'close');
    ctx.app.emit(meant ? 'refused' : 'error', caught, ctx);
    ctx.body = {
      detail:
        caught instanceof ValidationError
          ? caught.detail
          : meant
            ? (error.message ?? 'error')
            : 'Internal Server Error',
    };
  }
}

/** The request as the key check sees it. */
const keyed = (ctx: Context) => ({ ip: ctx.ip, header: (name: string) => ctx.get(name) || undefined });

export function detectionsRoutes(router: Router, deps: DetectionsRouteDeps): void {
  const api = new Router({ prefix: '/api/v1', strict: true });
  api.use(detailErrors);
  const need = (): Detections => {
    if (!deps.detections) {
      throw new DetectionsUnavailableError(
        'detections are off (set detections.enabled, or a key: PIMESH_DETECTIONS_KEY)',
      );
    }
    return deps.detections;
  };
  const read = async (ctx: Context): Promise<Detections> => {
    const d = need();
    await authorize(d.keys, keyed(ctx), { read: true });
    return d;
  };
  const body = (ctx: Context, max: number) => readJsonBody(ctx.req, ctx.req.headers, max);
  const paths: string[] = [];
  const get = (path: string, handler: (ctx: Context) => Promise<void>) => {
    paths.push(path);
    api.get(path, handler);
  };
  const write = (method: 'post' | 'put', path: string, handler: (ctx: Context) => Promise<void>) => {
    paths.push(path);
    api[method](path, handler);
  };
  /** A read: its parameters are taken (`params`), every problem is a 422 at once, then it answers. */
  const query: Query = (path, params) =>
    get(path, async (ctx) => {
      const d = await read(ctx);
      const q = new QueryReader(ctx.query);
      const answer = params(q, d, ctx);
      q.done();
      ctx.body = await answer();
    });

  write('post', '/detections/bulk', async (ctx) => {
    const d = need();
    const key = await keyPresented(d.keys, keyed(ctx));
    const raw = await body(ctx, d.config.limits.maxBodyBytes);
    const deviceId = (raw as { device_id?: unknown } | null)?.device_id;
    const scope = { write: 'agent', deviceId: typeof deviceId === 'string' ? deviceId : '' } as const;
    await authorize(d.keys, keyed(ctx), scope, key);
    const batch = validateBatch(raw, d.config.limits.maxDetectionsPerBatch);
    const result = await d.ingest(batch, { via: 'http' });
    ctx.body = {
      message: `Guardadas ${result.count} detecciones`,
      device_id: result.device_id,
      count: result.count,
    };
  });

  write('post', '/detections/', async (ctx) => {
    const d = need();
    const q = new QueryReader(ctx.query);
    const deviceId = q.required('device_id');
    q.done();
    await authorize(d.keys, keyed(ctx), { write: 'agent', deviceId: deviceId as string });
    const detection = detectionBody(await body(ctx, SMALL_BODY), d.clock, d.nowUs());
    ctx.body = detectionJson(await d.addOne(deviceId as string, detection), d.clock);
  });

  query('/detections/recent', (q, d) => {
    const limit = q.int('limit', { default: 100, ge: 1, le: 1000 }) as number;
    return async () => (await d.store.recent(limit, q.zone()?.zone)).map((r) => detectionJson(r, d.clock));
  });

  query('/detections/count', (q, d) => {
    const hours = q.int('hours', { default: 24, ge: 1, le: MAX_HOURS }) as number;
    return () => {
      const zone = q.zone();
      return uniqueCount(d.stats(), hours, zone?.zone, zone?.text);
    };
  });

  query('/statistics/realtime', (q, d) => {
    const minutes = q.int('minutes', { default: 5, ge: 1, le: 525_600 }) as number;
    const deviceId = q.text('device_id') || undefined;
    return () => realtime(d.stats(), minutes, deviceId);
  });

  query('/statistics/range', (q, d) => {
    const [startText, endText] = [q.required('start_time'), q.required('end_time')];
    const deviceId = q.text('device_id') || undefined;
    return () => {
      const start = q.instant(startText, d.clock) as number;
      const end = q.instant(endText, d.clock) as number;
      if (start >= end) {
        const text = 'La fecha de inicio debe ser anterior a la fecha de fin';
        throw new PimeshError(text, { code: 'ERR_RANGE', status: 400 });
      }
      return range(d.stats(), start, end, deviceId);
    };
  });

  query('/statistics/hourly', (q, d) => {
    const date = q.date('date');
    return () => hourly(d.stats(), date);
  });

  query('/statistics/daily', (q, d) => {
    const [start, end] = [q.date('start_date'), q.date('end_date')];
    const days = q.int('days', { default: 7, ge: 1, le: 3660 }) as number;
    return () => daily(d.stats(), days, start, end);
  });

  query('/statistics/distribution', (q, d) => {
    const hours = q.int('hours', { default: 24, ge: 1, le: MAX_HOURS }) as number;
    return () => distribution(d.stats(), hours);
  });

  query('/statistics/histogram', (q, d) => {
    const kind = q.literal('range', HISTOGRAM_RANGES, 'hour');
    const deviceId = q.text('device_id') || undefined;
    return () => histogram(d.stats(), kind, deviceId);
  });

  deviceRoutes(need, body, query, write);

  query('/export/detections/csv', (q, d, ctx) => {
    const request = exportRequest(q);
    return async () => {
      const plan = exportPlan(request, d.clock, d.nowUs());
      const stream = await csvStream(d.store, plan.query, d.clock);
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', `attachment; filename=${plan.filename}`);
      return stream;
    };
  });

  query('/settings/thresholds', (_q, d) => async () => thresholdsJson(await d.store.thresholds()));

  write('put', '/settings/thresholds', async (ctx) => {
    const d = need();
    await authorize(d.keys, keyed(ctx), { write: 'settings' });
    const t = thresholdsBody(await body(ctx, SMALL_BODY));
    if (!(t.near > t.medium)) {
      throw new PimeshError('near_threshold debe ser mayor que medium_threshold', {
        code: 'ERR_THRESHOLDS',
        status: 400,
      });
    }
    ctx.body = thresholdsUpdatedJson(t, await d.store.setThresholds(t, d.nowUs()));
  });

  write('post', '/settings/thresholds/reset', async (ctx) => {
    const d = need();
    await authorize(d.keys, keyed(ctx), { write: 'settings' });
    const { near, medium } = d.config.thresholds;
    await d.store.setThresholds({ near, medium }, d.nowUs());
    ctx.body = {
      message: 'Umbrales reseteados a valores por defecto',
      thresholds: { near_threshold: near, medium_threshold: medium },
    };
  });

  slashRedirects(api, paths);
  router.use(api.routes());
}

type Query = (
  path: string,
  params: (q: QueryReader, d: Detections, ctx: Context) => () => Promise<unknown>,
) => void;
type Writer = (method: 'post' | 'put', path: string, handler: (ctx: Context) => Promise<void>) => void;

function deviceRoutes(
  need: () => Detections,
  body: (ctx: Context, max: number) => Promise<unknown>,
  query: Query,
  write: Writer,
): void {
  const found = <T>(value: T | undefined, id: string): T => {
    if (value === undefined) throw new DeviceNotFoundError(id);
    return value;
  };
  write('post', '/devices/register', async (ctx) => {
    const d = need();
    const key = await keyPresented(d.keys, keyed(ctx));
    const raw = await body(ctx, SMALL_BODY);
    const id = (raw as { device_id?: unknown } | null)?.device_id;
    await authorize(d.keys, keyed(ctx), { write: 'agent', deviceId: typeof id === 'string' ? id : '' }, key);
    const r = registrationBody(raw);
    ctx.body = deviceJson(await d.store.registerDevice(r.device_id, r, d.nowUs()), d.clock);
  });
  query('/devices/', (q, d) => {
    const activeOnly = q.bool('active_only', false);
    return async () => (await d.store.devices(activeOnly)).map((r) => deviceJson(r, d.clock));
  });
  query('/devices/active', (q, d) => {
    const minutes = q.int('threshold_minutes', { default: 60, ge: 1, le: MAX_HOURS * 60 }) as number;
    return async () =>
      (await d.store.activeDevices(d.nowUs() - minutes * MINUTE_US)).map((r) => deviceJson(r, d.clock));
  });
  query('/devices/:id', (_q, d, ctx) => async () => {
    return deviceJson(found(await d.store.device(ctx.params.id), ctx.params.id), d.clock);
  });
  query('/devices/:id/stats', (_q, d, ctx) => async () => {
    return deviceStatsJson(found(await d.store.deviceStats(ctx.params.id), ctx.params.id), d.clock);
  });
  write('put', '/devices/:id', async (ctx) => {
    const d = need();
    await authorize(d.keys, keyed(ctx), { write: 'agent', deviceId: ctx.params.id });
    const info = deviceUpdateBody(await body(ctx, SMALL_BODY));
    ctx.body = deviceJson(
      found(await d.store.updateDevice(ctx.params.id, info, d.nowUs()), ctx.params.id),
      d.clock,
    );
  });
  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    write('post', `/devices/:id/${action}`, async (ctx) => {
      const d = need();
      await authorize(d.keys, keyed(ctx), { write: 'agent', deviceId: ctx.params.id });
      const row = await d.store.setDeviceActive(ctx.params.id, active, d.nowUs());
      ctx.body = deviceJson(found(row, ctx.params.id), d.clock);
    });
  }
}

/**
 * FastAPI's redirect_slashes: a path that differs from a route only by its trailing slash is a 307
 * to the route (same method, body and query), whatever the method.
 */
function slashRedirects(api: Router, paths: readonly string[]): void {
  const toggled = new Set(paths.map((p) => (p.endsWith('/') ? p.slice(0, -1) : `${p}/`)));
  for (const path of toggled) {
    if (paths.includes(path)) continue;
    api.all(path, (ctx) => {
      const target = ctx.path.endsWith('/') ? ctx.path.slice(0, -1) : `${ctx.path}/`;
      ctx.status = 307;
      ctx.redirect(`${ctx.protocol}://${ctx.host}${target}${ctx.search}`);
      ctx.body = '';
    });
  }
}
