import { DeviceUnavailableError, PimeshError } from '../../errors.js';
import type { GpsdSky, GpsdSnapshot } from './gpsd-client.js';
import { type FixType, fixTypeOf } from './nmea-fix.js';

/** `GET /api/hardware/gps`: pi_backend's field names (seed spec A.4, GNSS). */
export interface GpsAnswer {
  source: 'gpsd';
  fix_type: FixType;
  latitude: number | null;
  longitude: number | null;
  /** altHAE, else altMSL, else alt (gpsd versions differ). */
  altitude_m: number | null;
  speed_mps: number | null;
  track_deg: number | null;
  climb_mps: number | null;
  time_utc: string | null;
  /** SKY uSat, else the satellites flagged `used`. */
  satellites_used: number | null;
  /** SKY nSat, else the length of `satellites`. */
  satellites_in_view: number | null;
  error_horizontal_m: number | null;
  error_vertical_m: number | null;
}

/** gpsd is up but has sent no position report for longer than the stale window: 503. */
export class GpsStaleError extends PimeshError {
  readonly ageSeconds?: number;

  constructor(detail: string, ageSeconds?: number) {
    super(`Stale GPS data. ${detail}`, { code: 'ERR_GPS_STALE', status: 503 });
    this.ageSeconds = ageSeconds;
  }
}

const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

function satelliteCounts(sky: GpsdSky | undefined): { used: number | null; inView: number | null } {
  if (!sky) return { used: null, inView: null };
  const satellites = Array.isArray(sky.satellites) ? sky.satellites : undefined;
  return {
    used: numberOrNull(sky.uSat) ?? (satellites ? satellites.filter((s) => s?.used === true).length : null),
    inView: numberOrNull(sky.nSat) ?? (satellites ? satellites.length : null),
  };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * The answer for the latest TPV and SKY, or the error pi_backend gives: gpsd unreachable (503 naming
 * gpsd and its address) or no TPV within `staleAfterMs` (503 "Stale GPS data. ...").
 * A SKY older than the stale window is not used (satellite counts are then null).
 */
export function gpsAnswer(snapshot: GpsdSnapshot, options: { now: number; staleAfterMs: number }): GpsAnswer {
  const service = `gpsd at ${snapshot.address}`;
  if (!snapshot.connected) {
    throw new DeviceUnavailableError(service, snapshot.lastError?.message ?? 'not connected yet');
  }
  const { tpv, sky } = snapshot;
  const limit = `stale after ${seconds(options.staleAfterMs)} s`;
  if (!tpv) {
    const devices = snapshot.devices.length > 0 ? snapshot.devices.join(', ') : 'no GNSS device';
    throw new GpsStaleError(`No position report (TPV) from ${service} yet (${devices}; ${limit}).`);
  }
  const age = options.now - tpv.receivedAt;
  if (age > options.staleAfterMs) {
    throw new GpsStaleError(
      `No position report (TPV) from ${service} for ${seconds(age)} s (${limit}).`,
      seconds(age),
    );
  }
  const fresh = sky && options.now - sky.receivedAt <= options.staleAfterMs ? sky.data : undefined;
  const counts = satelliteCounts(fresh);
  const t = tpv.data;
  return {
    source: 'gpsd',
    fix_type: fixTypeOf(t.mode),
    latitude: numberOrNull(t.lat),
    longitude: numberOrNull(t.lon),
    altitude_m: numberOrNull(t.altHAE) ?? numberOrNull(t.altMSL) ?? numberOrNull(t.alt),
    speed_mps: numberOrNull(t.speed),
    track_deg: numberOrNull(t.track),
    climb_mps: numberOrNull(t.climb),
    time_utc: typeof t.time === 'string' ? t.time : null,
    satellites_used: counts.used,
    satellites_in_view: counts.inView,
    error_horizontal_m: numberOrNull(t.epx),
    error_vertical_m: numberOrNull(t.epv),
  };
}
