/**
 * Rows as the original's `to_dict()` gives them (Device, Detection, the device stats and the
 * thresholds), instants as ISO 8601 in the configured zone.
 */
import type { Thresholds } from './rules.js';
import type { DetectionRow, DeviceRow, DeviceStats, Recalculated } from './store.js';
import type { ZoneClock } from './zoned-time.js';

export function deviceJson(d: DeviceRow, clock: ZoneClock) {
  return {
    id: d.id,
    device_id: d.device_id,
    name: d.name,
    location: d.location,
    is_active: d.is_active,
    last_seen: d.last_seen === null ? null : clock.iso(d.last_seen),
    created_at: clock.iso(d.created_at),
    updated_at: clock.iso(d.updated_at),
  };
}

export function deviceStatsJson(s: DeviceStats, clock: ZoneClock) {
  const iso = (us: number | null) => (us === null ? null : clock.iso(us));
  return {
    device_id: s.device.device_id,
    name: s.device.name,
    location: s.device.location,
    is_active: s.device.is_active,
    registered_at: clock.iso(s.device.created_at),
    last_seen: iso(s.device.last_seen),
    total_detections: s.total,
    first_detection: iso(s.first),
    last_detection: iso(s.last),
  };
}

export function detectionJson(r: DetectionRow, clock: ZoneClock) {
  return {
    id: r.id,
    device_hash: r.device_hash,
    rssi: r.rssi,
    zone: r.zone,
    timestamp: clock.iso(r.us),
    device_id: r.device_id,
  };
}

/** `GET /settings/thresholds`, with the original's description strings. */
export function thresholdsJson(t: Thresholds) {
  return {
    near_threshold: t.near,
    medium_threshold: t.medium,
    description: {
      near: `RSSI ≥ ${t.near} dBm`,
      medium: `${t.medium} dBm ≤ RSSI < ${t.near} dBm`,
      far: `RSSI < ${t.medium} dBm`,
    },
  };
}

/** `PUT /settings/thresholds`'s answer, with how many rows each zone now holds. */
export function thresholdsUpdatedJson(t: Thresholds, r: Recalculated) {
  return {
    message: 'Umbrales actualizados correctamente',
    thresholds: { near_threshold: t.near, medium_threshold: t.medium },
    recalculated: {
      total_detections: r.total,
      updated_to_near: r.near,
      updated_to_medium: r.medium,
      updated_to_far: r.far,
    },
  };
}
