/**
 * An MQTT message from a TFG agent (spec D.1) checked into a DetectionBatch, and the delivery key
 * that makes a QoS 1 redelivery idempotent. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { DetectionBatch, RawDetection } from './types.js';

/** Why a payload was refused; each is counted on its own. */
export type RejectReason =
  | 'too-large'
  | 'not-json'
  | 'not-an-object'
  | 'no-device-id'
  | 'detections-not-a-list'
  | 'detection-not-an-object'
  | 'bad-field';

export type ParsedPayload =
  | { ok: true; batch: DetectionBatch }
  | { ok: false; reason: RejectReason; detail: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const reject = (reason: RejectReason, detail: string): ParsedPayload => ({ ok: false, reason, detail });

/**
 * `{"device_id", "detections": [...], "timestamp"?, "name"?, "location"?}` as the agent publishes it.
 * The detections are passed on as they are (the store skips an item without rssi or device_hash, as
 * the original does); a payload that is not such an object is refused with the reason.
 */
export function parseDetectionPayload(payload: Buffer, maxBytes: number): ParsedPayload {
  if (payload.length > maxBytes) {
    return reject('too-large', `${payload.length} bytes, more than the ${maxBytes} allowed`);
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return reject('not-json', (error as Error).message);
  }
  if (!isObject(value)) return reject('not-an-object', 'the payload is not a JSON object');
  const { device_id, detections, name, location, timestamp } = value;
  // The original drops a message without device_id (paho's on_message: `if not device_id`).
  if (typeof device_id !== 'string' || device_id.trim() === '') {
    return reject('no-device-id', 'device_id is missing or not a non-empty string');
  }
  if (!Array.isArray(detections)) return reject('detections-not-a-list', 'detections is not a list');
  const index = detections.findIndex((d) => !isObject(d));
  if (index >= 0) return reject('detection-not-an-object', `detections[${index}] is not an object`);
  for (const [key, field] of Object.entries({ name, location, timestamp })) {
    if (field !== undefined && field !== null && typeof field !== 'string') {
      return reject('bad-field', `${key} is not a string`);
    }
  }
  const batch: DetectionBatch = { device_id, detections: detections as RawDetection[] };
  if (typeof name === 'string') batch.name = name;
  if (typeof location === 'string') batch.location = location;
  if (typeof timestamp === 'string') batch.timestamp = timestamp;
  return { ok: true, batch };
}

/**
 * The delivery key: SHA-256 of the topic and the payload bytes. A QoS 1 redelivery (after a crash,
 * a lost PUBACK, a broker restart) carries the same bytes, so it is stored once. Two messages an
 * agent really sent twice carry different batch timestamps; an agent that published the very same
 * bytes twice is indistinguishable from a redelivery, and is stored once.
 */
export function deliveryKey(topic: string, payload: Buffer): string {
  return createHash('sha256').update(`mqtt\0${topic}\0`).update(payload).digest('hex');
}
