/**
 * The request bodies of the detections API besides the bulk batch (rules.ts), checked as the
 * original's pydantic models check them, every problem a 422 issue: a device's registration and
 * update, one detection, the thresholds.
 */
import { issues, ValidationError, type ValidationIssue } from './errors.js';
import { LIMITS, type Thresholds } from './rules.js';
import { parseIsoInstant } from './timestamps.js';
import type { ZoneClock } from './zoned-time.js';

type Body = Record<string, unknown>;

function object(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([issues.model(['body'], body)]);
  }
  return body as Body;
}

function text(
  body: Body,
  key: string,
  found: ValidationIssue[],
  rule: { required?: boolean; min?: number; max?: number },
): string | undefined {
  const value = body[key];
  const loc = ['body', key];
  if (value === undefined || value === null) {
    if (rule.required) found.push(issues.missing(loc, body));
    return undefined;
  }
  if (typeof value !== 'string') found.push(issues.string(loc, value));
  else if (rule.min !== undefined && value.length < rule.min)
    found.push(issues.tooShort(loc, value, rule.min));
  else if (rule.max !== undefined && value.length > rule.max)
    found.push(issues.tooLong(loc, value, rule.max));
  else return value;
  return undefined;
}

/** pydantic's lax int: an integer, a float with no fraction, or a decimal string. */
function int(
  body: Body,
  key: string,
  found: ValidationIssue[],
  rule: { ge?: number; le?: number },
): number | undefined {
  const value = body[key];
  const loc = ['body', key];
  if (value === undefined) {
    found.push(issues.missing(loc, body));
    return undefined;
  }
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n)) found.push(issues.int(loc, value));
  else if (rule.ge !== undefined && n < rule.ge) found.push(issues.ge(loc, value, rule.ge));
  else if (rule.le !== undefined && n > rule.le) found.push(issues.le(loc, value, rule.le));
  else return n;
  return undefined;
}

function done(found: ValidationIssue[]): void {
  if (found.length > 0) throw new ValidationError(found);
}

/** `POST /devices/register`: `{device_id, name?, location?}`. */
export function registrationBody(body: unknown): { device_id: string; name?: string; location?: string } {
  const b = object(body);
  const found: ValidationIssue[] = [];
  const device_id = text(b, 'device_id', found, { required: true, min: 1, max: LIMITS.deviceId });
  const name = text(b, 'name', found, { max: LIMITS.name });
  const location = text(b, 'location', found, { max: LIMITS.location });
  done(found);
  return { device_id: device_id as string, name, location };
}

/** `PUT /devices/{id}`: `{name?, location?}` (null or absent: unchanged). */
export function deviceUpdateBody(body: unknown): { name?: string; location?: string } {
  const b = object(body);
  const found: ValidationIssue[] = [];
  const name = text(b, 'name', found, { max: LIMITS.name });
  const location = text(b, 'location', found, { max: LIMITS.location });
  done(found);
  return { name, location };
}

/**
 * `POST /detections/?device_id=`: `{device_hash, rssi, zone?, timestamp?}`, checked as the original's
 * `save_detection` meant to: a 64-digit hex hash, an RSSI from -127 to 0, a valid timestamp.
 */
export function detectionBody(
  body: unknown,
  clock: ZoneClock,
  nowUs: number,
): { device_hash: string; rssi: number; us: number } {
  const b = object(body);
  const found: ValidationIssue[] = [];
  const hash = text(b, 'device_hash', found, { required: true });
  if (hash !== undefined && !/^[0-9a-fA-F]{64}$/.test(hash)) {
    found.push(issues.pattern(['body', 'device_hash'], hash, '^[0-9a-fA-F]{64}$'));
  }
  const rssi = int(b, 'rssi', found, { ge: -127, le: 0 });
  text(b, 'zone', found, {});
  let us = nowUs;
  const stamp = b.timestamp;
  if (stamp !== undefined && stamp !== null) {
    const parsed = typeof stamp === 'string' ? parseIsoInstant(stamp, clock) : undefined;
    if (parsed === undefined) found.push(issues.datetime(['body', 'timestamp'], stamp));
    else us = parsed;
  }
  done(found);
  return { device_hash: hash as string, rssi: rssi as number, us };
}

/** `PUT /settings/thresholds`: `{near_threshold, medium_threshold}`, whole dBm from -127 to -1. */
export function thresholdsBody(body: unknown): Thresholds {
  const b = object(body);
  const found: ValidationIssue[] = [];
  const near = int(b, 'near_threshold', found, { ge: -127, le: -1 });
  const medium = int(b, 'medium_threshold', found, { ge: -127, le: -1 });
  done(found);
  return { near: near as number, medium: medium as number };
}
