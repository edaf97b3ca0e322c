/**
 * `pimesh detections simulate --agents N --rate R`: N fake TFG agents (spec D.1) sending realistic
 * batches over MQTT (QoS 1, client id `rpi-agent-<DEVICE_ID>`, as the agent) or HTTP
 * (`POST /api/v1/detections/bulk` with `X-API-Key`), R messages a second in all, until `count`
 * messages or the signal. Each agent sees a population of phones (device_hash = SHA-256 of the
 * upper-case MAC without separators), at -40..-95 dBm, classified by the agent's thresholds, with
 * timestamps in the agents' zone (Europe/Madrid, as the original) carrying its offset.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { DeviceUnavailableError, InputError } from '../../errors.js';
import { boundedRequest, KiB } from '../../util/bounded-request.js';
import type { MqttTlsConfig } from './mqtt-config.js';
import { TFG_TOPIC } from './mqtt-config.js';
import { MQTT_3_1_1, mqttClientOptions, safeMessage } from './mqtt-options.js';
import type { DetectionBatch, RawDetection } from './types.js';

export interface SimulateDetectionsOptions {
  /** `--agents`: fake agents, each its own connection (default 1). */
  agents?: number;
  /** `--rate`: messages a second, all agents together; 0: as fast as the transport takes them. */
  rate: number;
  /** Stop after this many messages (default: until `signal`). */
  count?: number;
  signal?: AbortSignal;
  mqtt?: { url: string; topic?: string; username?: string; password?: string; tls?: Partial<MqttTlsConfig> };
  http?: { baseUrl: string; apiKey?: string; timeoutMs?: number };
  /** Detections per message (default 10). */
  batchSize?: number;
  /** Default Europe/Madrid. */
  timeZone?: string;
  /** The PRNG seed (default 1): the same seed sends the same phones and signal strengths. */
  seed?: number;
  /** MQTT messages awaiting their PUBACK per agent (default 100). */
  maxPending?: number;
  /** After the signal, how long to wait for PUBACKs still due (default 5 s). */
  drainMs?: number;
  /** Called with the figures so far, at most once a second (for a CLI's progress line). */
  onProgress?: (so: SimulateDetectionsResult) => void;
}

export interface SimulateDetectionsResult {
  agents: number;
  /** Messages the broker acknowledged (PUBACK) or the node answered 200/201. */
  sent: number;
  detections: number;
  failed: number;
  /** The first few failures, by message. */
  failures: string[];
  elapsedMs: number;
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The agent's device_hash: SHA-256 of the MAC with `:` and `-` removed, upper-cased (spec D.1). */
export function deviceHash(mac: string): string {
  return createHash('sha256').update(mac.replace(/[:-]/g, '').toUpperCase(), 'utf8').digest('hex');
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
const QUARTER_MS = 900_000;

/**
 * The zone's UTC offset in minutes at `ms`. Zones change offset only on a quarter hour, so one
 * Intl lookup per zone and quarter hour serves every timestamp in it (the agents make thousands a second).
 */
function offsetMinutes(ms: number, timeZone: string): number {
  const quarter = Math.floor(ms / QUARTER_MS) * QUARTER_MS;
  const key = `${timeZone} ${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    let format = formatters.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
      formatters.set(timeZone, format);
    }
    const p = Object.fromEntries(
      format.formatToParts(quarter).map((part) => [part.type, Number(part.value)]),
    );
    offset = (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - quarter) / 60_000;
    if (offsets.size > 1000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

const two = (n: number) => String(n).padStart(2, '0');

/** `date` as Python's `datetime.now(zone).isoformat()`: `2026-05-02T13:45:12.123000+02:00`. */
export function isoInZone(date: Date, timeZone: string): string {
  const offset = offsetMinutes(date.getTime(), timeZone);
  const wall = new Date(date.getTime() + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const micro = String(wall.getUTCMilliseconds() * 1000).padStart(6, '0');
  return (
    `${wall.getUTCFullYear()}-${two(wall.getUTCMonth() + 1)}-${two(wall.getUTCDate())}` +
    `T${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())}.${micro}` +
    `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`
  );
}

const PLACES = ['Entrance', 'Library', 'Cafeteria', 'Hall A', 'Lab 2', 'Courtyard', 'Gym', 'Office'];

/** One fake agent: its id, place, the phones around it, and a clock that never repeats a batch time. */
export class SimulatedAgent {
  readonly deviceId: string;
  readonly name: string;
  readonly location: string;
  readonly #random: () => number;
  readonly #phones: { hash: string; base: number }[];
  readonly #timeZone: string;
  #last = 0;

  constructor(index: number, seed = 1, timeZone = 'Europe/Madrid') {
    this.deviceId = `sim-agent-${String(index + 1).padStart(3, '0')}`;
    this.name = `Simulated agent ${index + 1}`;
    this.location = PLACES[index % PLACES.length];
    this.#random = prng(seed * 7919 + index);
    this.#timeZone = timeZone;
    this.#phones = Array.from({ length: 40 }, () => {
      const mac = Array.from({ length: 6 }, () =>
        Math.floor(this.#random() * 256)
          .toString(16)
          .padStart(2, '0'),
      ).join(':');
      return { hash: deviceHash(mac), base: -45 - Math.floor(this.#random() * 45) };
    });
  }

  /** The next batch: `size` distinct phones, each at its strongest reading of the last 10 s. */
  batch(size = 10, now = Date.now()): DetectionBatch & { timestamp: string } {
    const at = Math.max(now, this.#last + 1);
    this.#last = at;
    const picked = new Set<number>();
    while (picked.size < Math.min(size, this.#phones.length)) {
      picked.add(Math.floor(this.#random() * this.#phones.length));
    }
    const detections: RawDetection[] = [...picked].map((i) => {
      const phone = this.#phones[i];
      const rssi = Math.max(-95, Math.min(-40, phone.base + Math.round((this.#random() - 0.5) * 10)));
      const zone = rssi >= -60 ? 'near' : rssi >= -75 ? 'medium' : 'far';
      const seen = new Date(at - Math.floor(this.#random() * 10_000));
      return { device_hash: phone.hash, rssi, zone, timestamp: isoInZone(seen, this.#timeZone) };
    });
    return {
      device_id: this.deviceId,
      timestamp: isoInZone(new Date(at), this.#timeZone),
      detections,
      name: this.name,
      location: this.location,
    };
  }
}

type Send = (batch: DetectionBatch & { timestamp: string }) => Promise<void>;

interface Transport {
  send: Send;
  close(force: boolean): Promise<void>;
}

async function mqttTransport(agent: SimulatedAgent, config: NonNullable<SimulateDetectionsOptions['mqtt']>) {
  const options = await mqttClientOptions({
    ...config,
    clientId: `rpi-agent-${agent.deviceId}`,
    clean: true,
    reconnectMinMs: 500,
  });
  const client: MqttClient = await mqtt.connectAsync(
    config.url,
    { ...options, protocolVersion: MQTT_3_1_1 },
    false,
  );
  client.on('error', () => {});
  const topic = config.topic ?? TFG_TOPIC;
  return {
    send: async (batch) => {
      await client.publishAsync(topic, JSON.stringify(batch), { qos: 1, retain: false });
    },
    close: (force) => client.endAsync(force),
  } satisfies Transport;
}

/** A request under way when the signal comes is let finish (within `timeoutMs`), as MQTT's are. */
function httpTransport(config: NonNullable<SimulateDetectionsOptions['http']>): Transport {
  const url = new URL('/api/v1/detections/bulk', config.baseUrl);
  return {
    send: async ({ timestamp: _batchTime, ...body }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (config.apiKey) headers['x-api-key'] = config.apiKey;
      const res = await boundedRequest(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        timeoutMs: config.timeoutMs ?? 10_000,
        maxBytes: 64 * KiB,
      });
      if (res.statusCode !== 200 && res.statusCode !== 201) {
        throw new Error(`HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`);
      }
    },
    close: async () => {},
  };
}

export async function simulateDetections(
  options: SimulateDetectionsOptions,
): Promise<SimulateDetectionsResult> {
  if (!options.mqtt === !options.http) throw new InputError('simulate: give either mqtt or http');
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const size = options.batchSize ?? 10;
  const signal = options.signal;
  const agents = Array.from(
    { length: Math.max(1, options.agents ?? 1) },
    (_, i) => new SimulatedAgent(i, options.seed ?? 1, options.timeZone),
  );
  const maxPending = options.http ? 1 : (options.maxPending ?? 100);
  const result: SimulateDetectionsResult = {
    agents: agents.length,
    sent: 0,
    detections: 0,
    failed: 0,
    failures: [],
    elapsedMs: 0,
  };
  const opened = await Promise.allSettled(
    agents.map((agent) =>
      options.mqtt ? mqttTransport(agent, options.mqtt) : httpTransport(options.http ?? { baseUrl: '' }),
    ),
  );
  const transports = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = opened.find((o) => o.status === 'rejected');
  if (refused) {
    await Promise.all(transports.map((t) => t.close(true)));
    throw new DeviceUnavailableError('MQTT broker', safeMessage(refused.reason), refused.reason);
  }
  const pending = agents.map(() => new Set<Promise<void>>());
  const started = performance.now();
  let reported = started;
  const progress = () => {
    if (!options.onProgress || performance.now() - reported < 1000) return;
    reported = performance.now();
    options.onProgress({ ...result, elapsedMs: reported - started });
  };
  const send = (a: number) => {
    const batch = agents[a].batch(size);
    const job = transports[a]
      .send(batch)
      .then(
        () => {
          result.sent++;
          result.detections += batch.detections.length;
        },
        (error) => {
          result.failed++;
          if (result.failures.length < 10) result.failures.push(safeMessage(error));
        },
      )
      .finally(() => {
        pending[a].delete(job);
        progress();
      });
    pending[a].add(job);
  };

  let issued = 0;
  while (issued < count && !signal?.aborted) {
    const due =
      options.rate > 0
        ? Math.min(count, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1)
        : count;
    while (issued < due && !signal?.aborted) {
      const a = issued % agents.length;
      if (pending[a].size >= maxPending) await Promise.race(pending[a]);
      send(a);
      issued++;
      if (options.rate <= 0 && issued % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (issued < count && options.rate > 0) {
      const next = (issued * 1000) / options.rate - (performance.now() - started);
      await sleep(Math.max(1, next), undefined, { signal }).catch(() => {});
    }
  }
  const all = Promise.allSettled(pending.flatMap((set) => [...set]));
  if (signal?.aborted) await Promise.race([all, sleep(options.drainMs ?? 5000, undefined, { ref: false })]);
  else await all;
  result.elapsedMs = performance.now() - started;
  // Whatever is still unacknowledged after the drain fails when its connection is closed.
  const unfinished = pending.some((set) => set.size > 0);
  await Promise.all(transports.map((t) => t.close(unfinished)));
  await all;
  return result;
}
