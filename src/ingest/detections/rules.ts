/**
 * The original backend's ingest rules as pure functions (spec D.3): zones from RSSI and the stored
 * thresholds, the items a batch skips, `estimated_people` with Python's rounding, the agents' hash.
 */
import { createHash } from 'node:crypto';
import { issues, ValidationError, type ValidationIssue } from './errors.js';
import { detectionInstant } from './timestamps.js';
import type { DetectionBatch } from './types.js';
import type { ZoneClock } from './zoned-time.js';

/** Zones as the original stores them: the enum's NAME, upper-case. */
export const ZONES = ['NEAR', 'MEDIUM', 'FAR'] as const;
export type Zone = (typeof ZONES)[number];

export interface Thresholds {
  near: number;
  medium: number;
}

/** `rssi >= near` is NEAR, `>= medium` MEDIUM, else FAR (the agent's own `zone` is ignored). */
export function classifyZone(rssi: number, t: Thresholds): Zone {
  return rssi >= t.near ? 'NEAR' : rssi >= t.medium ? 'MEDIUM' : 'FAR';
}

/** A zone filter in any case (`near`, `NEAR`, `Near`); undefined for anything else. */
export function parseZone(text: string): Zone | undefined {
  const upper = text.toUpperCase();
  return (ZONES as readonly string[]).includes(upper) ? (upper as Zone) : undefined;
}

/**
 * Python's `round(x, digits)`: to the nearest, a tie (only an exactly representable one counts, as
 * the binary value decides) to the even neighbour. `toFixed(100)` gives the binary value's exact
 * decimal digits for the magnitudes used here (RSSI averages, percentages, people).
 */
export function pythonRound(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point + (digits > 0 ? digits + 1 : 0));
  const rest = exact.slice(point + 1 + digits);
  const scaled = BigInt(kept.replace('.', ''));
  const half = rest[0] === '5' && /^50*$/.test(rest);
  const up = rest[0] > '5' || (rest[0] === '5' && !half) || (half && scaled % 2n === 1n);
  const rounded = Number(up ? scaled + 1n : scaled) / 10 ** digits;
  return x < 0 && rounded !== 0 ? -rounded : rounded;
}

/** `0` for no device, else `max(1, round(n / devicesPerPerson))` with Python's rounding. */
export function estimatedPeople(devices: number, devicesPerPerson: number): number {
  return devices === 0 ? 0 : Math.max(1, pythonRound(devices / devicesPerPerson));
}

/** An average RSSI as the original shows it: 2 decimals, or null without detections. */
export function averageRssi(sum: number, count: number): number | null {
  return count === 0 ? null : pythonRound(sum / count, 2);
}

/** The agent's `device_hash`: SHA-256 of the MAC without `:` and `-`, upper-case, as 64 hex digits. */
export function agentDeviceHash(mac: string): string {
  return createHash('sha256').update(mac.replace(/[:-]/g, '').toUpperCase(), 'utf8').digest('hex');
}

/** A detection that passed the skipping rules, before its zone is known. */
export interface AcceptedDetection {
  device_hash: string;
  rssi: number;
  /** Microseconds since the epoch. */
  us: number;
}

/** The devices table holds 50 characters of device_id, 100 of name, 200 of location; detections 64 of hash. */
export const LIMITS = { deviceId: 50, name: 100, location: 200, hash: 64 } as const;
const INT32 = 2 ** 31;

/**
 * The items of a batch that can be stored (spec D.3): each needs a `device_hash` (a string of 1 to
 * 64 characters: the column holds 64) and an integer `rssi`; a bad `timestamp` skips the item, an
 * absent one is `now`. The others are counted as skipped.
 */
export function acceptDetections(
  items: readonly unknown[],
  clock: ZoneClock,
  nowUs: number,
): { accepted: AcceptedDetection[]; skipped: number } {
  const accepted: AcceptedDetection[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const { device_hash: hash, rssi, timestamp } = item as Record<string, unknown>;
    if (typeof hash !== 'string' || hash.length === 0 || hash.length > LIMITS.hash) continue;
    if (typeof rssi !== 'number' || !Number.isInteger(rssi) || rssi < -INT32 || rssi >= INT32) continue;
    const us = detectionInstant(timestamp, clock, nowUs);
    if (us === undefined) continue;
    accepted.push({ device_hash: hash, rssi, us });
  }
  return { accepted, skipped: items.length - accepted.length };
}

function optionalText(body: Record<string, unknown>, key: string, max: number, found: ValidationIssue[]) {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') found.push(issues.string(['body', key], value));
  else if (value.length > max) found.push(issues.tooLong(['body', key], value, max));
}

/**
 * The shape of a bulk body or an MQTT payload, as the original's pydantic model checks it, plus
 * the column sizes (the original's PostgreSQL refused longer values with a 500): `device_id` a
 * string of 1-50 characters, `detections` a list of at most `maxDetections` objects, `name` and
 * `location` optional strings. Throws ValidationError listing every problem.
 */
export function validateBatch(body: unknown, maxDetections: number): DetectionBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([issues.model(['body'], body)]);
  }
  const b = body as Record<string, unknown>;
  const found: ValidationIssue[] = [];
  const id = b.device_id;
  if (id === undefined) found.push(issues.missing(['body', 'device_id'], b));
  else if (typeof id !== 'string') found.push(issues.string(['body', 'device_id'], id));
  else if (id.length === 0) found.push(issues.tooShort(['body', 'device_id'], id, 1));
  else if (id.length > LIMITS.deviceId)
    found.push(issues.tooLong(['body', 'device_id'], id, LIMITS.deviceId));
  const list = b.detections;
  if (list === undefined) found.push(issues.missing(['body', 'detections'], b));
  else if (!Array.isArray(list)) found.push(issues.list(['body', 'detections'], list));
  else if (list.length > maxDetections)
    found.push(issues.tooMany(['body', 'detections'], maxDetections, list.length));
  else {
    for (let i = 0; i < list.length && found.length < 20; i++) {
      const item = list[i];
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        found.push(issues.dict(['body', 'detections', i], item));
      }
    }
  }
  optionalText(b, 'name', LIMITS.name, found);
  optionalText(b, 'location', LIMITS.location, found);
  if (b.timestamp !== undefined && b.timestamp !== null && typeof b.timestamp !== 'string') {
    found.push(issues.string(['body', 'timestamp'], b.timestamp));
  }
  if (found.length > 0) throw new ValidationError(found);
  return b as unknown as DetectionBatch;
}
