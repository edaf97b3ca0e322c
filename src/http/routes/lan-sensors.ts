import { isIP } from 'node:net';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DeviceUnavailableError, InputError, PimeshError } from '../../errors.js';
import { SENSOR_TYPES, type SensorName, sensorType } from '../../ingest/lan-sensors/frame-codec.js';
import type { LanSensors } from '../../ingest/lan-sensors/index.js';
import type { LatestFilter } from '../../ingest/lan-sensors/queries.js';
import { exemptFromResponseDeadline } from '../server.js';
import { queryParam } from './pi-backend.js';

export interface LanSensorsRouteDeps {
  /**
   * The service, or a function answering it (the daemon builds it at start-up); undefined when the
   * listener is off: every route answers 503 naming the setting.
   */
  sensors: LanSensors | undefined | (() => LanSensors | undefined);
  /**
   * A live stream is ended after this long (the browser's EventSource reconnects by itself and gets a
   * fresh snapshot): keep it under `http.limits.responseMs` while the server applies that deadline to
   * every answer. Default: no end.
   */
  liveMaxMs?: number;
  /** Epoch ms (the default `to=` of a history). */
  now?: () => number;
}

/** The default history range when `from=` is absent. */
const DEFAULT_RANGE_SECONDS = 3600;
const MAX_STEP_SECONDS = 366 * 86_400;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function need(deps: LanSensorsRouteDeps): LanSensors {
  const sensors = typeof deps.sensors === 'function' ? deps.sensors() : deps.sensors;
  if (!sensors) {
    throw new DeviceUnavailableError(
      'LAN sensors',
      'the listener is off (set sensors.port, PIMESH_SENSORS_PORT)',
    );
  }
  return sensors;
}

/** `name=`: ISO 8601 or epoch seconds → epoch seconds; a 400 naming the parameter otherwise. */
export function timeParam(ctx: Context, name: string): number | undefined {
  const raw = queryParam(ctx, name);
  if (raw === undefined || raw === '') return undefined;
  let ms = Number.NaN;
  if (/^\d{1,12}(\.\d+)?$/.test(raw)) ms = Number(raw) * 1000;
  else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) {
    ms = Date.parse(raw);
  }
  if (!Number.isFinite(ms)) {
    throw new InputError(`${name} must be an ISO 8601 time (2025-06-27T12:00:00Z) or epoch seconds`);
  }
  return ms / 1000;
}

/** `step=`: whole seconds, or a number with s, m, h or d (`30`, `5m`, `1h`). */
export function stepParam(ctx: Context): number | undefined {
  const raw = queryParam(ctx, 'step');
  if (raw === undefined || raw === '') return undefined;
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || 's'] : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_STEP_SECONDS)) {
    throw new InputError('step must be whole seconds from 1 to 366 days, e.g. 60, 5m, 1h or 1d');
  }
  return seconds;
}

/** `board=` (an address) and `sensor=` (a type name, any case). */
function filterParams(ctx: Context): LatestFilter {
  const board = queryParam(ctx, 'board');
  const sensor = queryParam(ctx, 'sensor');
  const filter: LatestFilter = {};
  if (board !== undefined && board !== '') {
    if (isIP(board) === 0) throw new InputError('board must be an IP address such as 10.89.21.188');
    filter.board = board;
  }
  if (sensor !== undefined && sensor !== '') {
    const type = sensorType(sensor);
    if (type === undefined) throw new InputError(`sensor must be one of ${SENSOR_TYPES.join(', ')}`);
    filter.sensor = SENSOR_TYPES[type] as SensorName;
  }
  return filter;
}

/**
 * The LAN sensors' API (poe-backend's boards), JSON:
 * - `GET /api/sensors/latest?board=&sensor=`: the latest reading of every sensor;
 * - `GET /api/sensors/history?from=&to=&step=&board=&sensor=`: readings over a range, raw or per bucket;
 * - `GET /api/sensors/connections`: the boards connected now, with last-seen;
 * - `GET /api/sensors/counters`: frames, rejections, connections, commits, alerts;
 * - `GET /api/sensors/live`: Server-Sent Events (`snapshot`, `readings`, `status`).
 */
export function lanSensorsRoutes(router: Router, deps: LanSensorsRouteDeps): void {
  const now = deps.now ?? Date.now;

  router.get('/api/sensors/latest', (ctx) => {
    const sensors = need(deps);
    const readings = sensors
      .latest(filterParams(ctx))
      .map((r) => ({ ...r, at: new Date(r.time * 1000).toISOString() }));
    ctx.body = { readings };
  });

  router.get('/api/sensors/history', (ctx) => {
    const sensors = need(deps);
    const filter = filterParams(ctx);
    const to = timeParam(ctx, 'to') ?? now() / 1000;
    const from = timeParam(ctx, 'from') ?? to - DEFAULT_RANGE_SECONDS;
    if (!(from < to)) throw new InputError('from must be before to');
    const step = stepParam(ctx);
    ctx.body = { from, to, step: step ?? null, series: sensors.history({ ...filter, from, to, step }) };
  });

  router.get('/api/sensors/connections', (ctx) => {
    ctx.body = { connections: need(deps).connections() };
  });

  router.get('/api/sensors/counters', (ctx) => {
    ctx.body = need(deps).counters();
  });

  router.get('/api/sensors/live', (ctx) => {
    const sensors = need(deps);
    const res = ctx.res;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    if (!sensors.live.attach(res, sensors.latest())) {
      for (const name of ['Content-Type', 'Cache-Control', 'X-Accel-Buffering']) res.removeHeader(name);
      throw new PimeshError('too many live clients; try again later', {
        code: 'ERR_TOO_MANY_CLIENTS',
        status: 503,
      });
    }
    // The stream is written by the hub from here on, not by Koa, and not held to the answer deadline.
    ctx.respond = false;
    exemptFromResponseDeadline(res);
    const end =
      deps.liveMaxMs === undefined
        ? undefined
        : setTimeout(() => {
            sensors.live.detach(res);
            res.end();
          }, deps.liveMaxMs);
    res.once('close', () => {
      clearTimeout(end);
      sensors.live.detach(res);
    });
  });
}
