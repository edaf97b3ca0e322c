import type Router from '@koa/router';
import type { Context } from 'koa';
import { DeviceUnavailableError, InputError } from '../../errors.js';
import { gpsAnswer } from '../../hardware/gnss/gps-answer.js';
import type { GpsdSnapshot } from '../../hardware/gnss/gpsd-client.js';
import type { ServiceStateQuery } from '../../hardware/gnss/service-state.js';
import type { UartRead, UartReaderDefaults } from '../../hardware/gnss/uart-reader.js';
import { flatErrorMiddleware } from '../errors.js';

export interface GnssDeps {
  /** The running GpsdClient; absent when gpsd is off in the configuration. */
  gpsd?: { snapshot(): GpsdSnapshot };
  staleAfterSeconds: number;
  /** A UartReader. */
  uart: {
    readonly defaults: Pick<UartReaderDefaults, 'port' | 'maxReadMs'>;
    readonly ports: readonly string[];
    allows(path: string): boolean;
    read(options: { port?: string; durationMs?: number }): Promise<UartRead>;
  };
  /** `systemctl is-active`; absent, or answering undefined, and the gpsd connection decides. */
  serviceState?: ServiceStateQuery;
  now?: () => number;
}

const UNIT = 'gpsd.service';
const MIN_READ_MS = 100;

const age = (now: number, at: number | undefined) =>
  at === undefined ? null : Math.round((now - at) / 100) / 10;

function single(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new InputError(`${name} must be given once, not empty`);
  return value;
}

function readMs(ctx: Context, maxMs: number): number | undefined {
  const seconds = single(ctx, 'seconds');
  if (seconds === undefined) return undefined;
  const ms = /^\d{1,5}(\.\d{1,3})?$/.test(seconds) ? Math.round(Number(seconds) * 1000) : Number.NaN;
  if (!(ms >= MIN_READ_MS && ms <= maxMs)) {
    throw new InputError(`seconds must be a number from ${MIN_READ_MS / 1000} to ${maxMs / 1000}`);
  }
  return ms;
}

/**
 * pi_backend's GNSS routes (seed spec A.2/A.4, checklist items 7-10), errors in its flat `{error}` shape:
 * `GET /api/hardware/gps` (latest gpsd fix), `/gps/status` (gpsd.service), `/gps/uart` (raw NMEA).
 */
export function gnssRoutes(router: Router, deps: GnssDeps): void {
  const now = deps.now ?? Date.now;

  router.get('/api/hardware/gps', flatErrorMiddleware, async (ctx: Context) => {
    if (!deps.gpsd) {
      throw new DeviceUnavailableError('gpsd', 'disabled in the configuration (gnss.gpsd.enabled)');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = gpsAnswer(deps.gpsd.snapshot(), { now: now(), staleAfterMs: deps.staleAfterSeconds * 1000 });
  });

  router.get('/api/hardware/gps/status', flatErrorMiddleware, async (ctx: Context) => {
    const fromSystemd = await deps.serviceState?.(UNIT);
    const snapshot = deps.gpsd?.snapshot();
    const at = now();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      [UNIT]: fromSystemd ?? (snapshot?.connected ? 'active' : 'inactive'),
      gpsd: {
        state_from: fromSystemd ? 'systemctl' : 'gpsd connection',
        enabled: snapshot !== undefined,
        address: snapshot?.address ?? null,
        connected: snapshot?.connected ?? false,
        version: snapshot?.version ?? null,
        devices: snapshot?.devices ?? [],
        last_tpv_age_s: age(at, snapshot?.tpv?.receivedAt),
        last_sky_age_s: age(at, snapshot?.sky?.receivedAt),
        last_error: snapshot?.lastError?.message ?? null,
      },
    };
  });

  router.get('/api/hardware/gps/uart', flatErrorMiddleware, async (ctx: Context) => {
    const port = single(ctx, 'port');
    if (port !== undefined && !deps.uart.allows(port)) {
      throw new InputError(
        `port must be one of ${deps.uart.ports.join(', ')} (gnss.uart.port and gnss.uart.allowedPorts)`,
      );
    }
    const durationMs = readMs(ctx, deps.uart.defaults.maxReadMs);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.uart.read({ port, durationMs });
  });
}
