/**
 * The uplink: this node publishes its own readings (charge-controller samples, sensor readings,
 * detection summaries) to an upstream MQTT broker (mosquitto, EMQX) through an on-disk outbox.
 *
 * `publish(suffix, payload)` resolves once the reading is on disk (appends made in the same turn
 * share one fsync'd commit). A sender hands the oldest entries to the broker at QoS 1, at most
 * `maxInFlight` at a time, and deletes each only after its PUBACK. Every connection is a fresh
 * mqtt.js client that starts again from the oldest entry, so each reconnect flushes the outbox in
 * order (mqtt.js's own resend of in-flight messages would interleave with ours). Delivery is at
 * least once: an entry whose PUBACK was lost to a disconnect or a crash is sent again.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { PimeshError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import { type MqttConnectOptions, mqttClientOptions, safeMessage } from '../detections/mqtt-options.js';
import { Outbox, type OutboxSize } from './outbox.js';

export interface UplinkOptions extends Omit<MqttConnectOptions, 'clean'> {
  /** Put before every suffix, e.g. `pimesh/node-1/`. */
  topicPrefix: string;
  /** The directory of `outbox.db`. */
  outboxDir: string;
  /** Default 32 MiB. */
  maxBytes?: number;
  /** Default 256 KiB. */
  maxMessageBytes?: number;
  /** Default 32. */
  maxInFlight?: number;
  retain?: boolean;
  reconnectMaxMs?: number;
  /** How long stop() waits for PUBACKs still due (default 2 s); what is left is sent next time. */
  stopTimeoutMs?: number;
  log: Logger;
}

export interface UplinkCounters {
  connected: boolean;
  /** Entries in the outbox, their bytes, and when the oldest was queued (epoch ms). */
  queued: number;
  queuedBytes: number;
  oldestQueuedAt: number | null;
  /** Readings accepted by publish() (on disk), and PUBACKed by the broker, since start. */
  accepted: number;
  delivered: number;
  /** Oldest entries dropped for room since start, and since the outbox was created. */
  dropped: number;
  droppedTotal: number;
  /** publish() calls refused (bad topic, too large, not JSON, stopped). */
  refused: number;
  inFlight: number;
  connects: number;
  /** Connection attempts that failed or ended. */
  disconnects: number;
  lastError: string | null;
}

export interface UplinkEvents {
  connect: [];
  /** Entries PUBACKed and removed from the outbox, by their outbox order. */
  delivered: [seq: number];
  dropped: [count: number];
}

/** A reading the uplink cannot take: 400-style for the caller's mistake, 503 when stopped. */
export class UplinkError extends PimeshError {
  constructor(code: string, message: string, status = 400) {
    super(message, { code, status });
  }
}

interface Pending {
  topic: string;
  payload: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Uplink extends EventEmitter<UplinkEvents> {
  readonly #options: UplinkOptions;
  readonly #log: Logger;
  readonly #throttle: LogThrottle;
  #outbox: Outbox | undefined;
  #mqttOptions: IClientOptions | undefined;
  #client: MqttClient | undefined;
  #retry: NodeJS.Timeout | undefined;
  #delayMs = 0;
  #stopping = false;
  #pending: Pending[] = [];
  #flushScheduled = false;
  /** Handed to the current connection and not yet PUBACKed; the highest handed out. */
  #inFlight = new Set<number>();
  #cursor = 0;
  #acked: number[] = [];
  #drained: (() => void) | undefined;
  #counters = { accepted: 0, delivered: 0, dropped: 0, refused: 0, connects: 0, disconnects: 0 };
  #lastError: string | null = null;
  /** The outbox's figures when stop() closed it. */
  #final: { size: OutboxSize; droppedTotal: number } | undefined;

  constructor(options: UplinkOptions) {
    super();
    this.#options = options;
    this.#log = options.log.child({ module: 'uplink' });
    this.#throttle = new LogThrottle(this.#log);
  }

  /** Opens the outbox (what an earlier run left is sent first) and connects in the background. */
  async start(): Promise<void> {
    if (this.#outbox) return;
    this.#mqttOptions = await mqttClientOptions({ ...this.#options, clean: true });
    this.#outbox = new Outbox(this.#options.outboxDir, {
      maxBytes: this.#options.maxBytes ?? 32 * 1024 * 1024,
    });
    if (this.#outbox.movedAside) {
      this.#log.error(
        { movedAside: this.#outbox.movedAside },
        'uplink outbox was damaged: kept aside, started afresh',
      );
    }
    const size = this.#outbox.size();
    this.#log.info({ url: safeMessage(this.#options.url), queued: size.entries }, 'uplink started');
    this.#delayMs = this.#options.reconnectMinMs ?? 1000;
    this.#connect();
  }

  /**
   * Queues `payload` (JSON-serialised) for `<topicPrefix><suffix>`; resolves once it is on disk.
   * Rejects with UplinkError: a suffix with `+`, `#` or NUL, a payload that is not JSON or is larger
   * than `maxMessageBytes`, or an uplink that is not running.
   */
  publish(suffix: string, payload: unknown): Promise<void> {
    let entry: { topic: string; payload: string };
    try {
      entry = this.#entry(suffix, payload);
    } catch (error) {
      this.#counters.refused++;
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ ...entry, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  counters(): UplinkCounters {
    const outbox = this.#final ?? { size: this.#outbox?.size(), droppedTotal: this.#outbox?.droppedTotal() };
    return {
      connected: this.#client?.connected ?? false,
      queued: outbox.size?.entries ?? 0,
      queuedBytes: outbox.size?.bytes ?? 0,
      oldestQueuedAt: outbox.size?.oldestQueuedAt ?? null,
      ...this.#counters,
      droppedTotal: outbox.droppedTotal ?? 0,
      inFlight: this.#inFlight.size,
      lastError: this.#lastError,
    };
  }

  /** Writes what publish() was given, waits a little for PUBACKs due, disconnects, closes the outbox. */
  async stop(): Promise<void> {
    if (!this.#outbox || this.#stopping) return;
    this.#stopping = true;
    this.#flush();
    clearTimeout(this.#retry);
    if (this.#inFlight.size > 0 && this.#client?.connected) {
      const drained = new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.stopTimeoutMs ?? 2000);
      });
      await Promise.race([drained, timeout]);
      clearTimeout(timer);
    }
    this.#removeAcked();
    const client = this.#client;
    this.#client = undefined;
    await client?.endAsync(true);
    this.#final = { size: this.#outbox.size(), droppedTotal: this.#outbox.droppedTotal() };
    this.#outbox.close();
    this.#throttle.flush();
  }

  #entry(suffix: string, payload: unknown): { topic: string; payload: string } {
    if (this.#stopping || !this.#outbox)
      throw new UplinkError('ERR_UPLINK_STOPPED', 'the uplink is not running', 503);
    const topic = `${this.#options.topicPrefix}${suffix}`;
    if (suffix === '' || /[+#\0]/.test(suffix) || topic.startsWith('$')) {
      throw new UplinkError('ERR_UPLINK_TOPIC', `not a topic to publish to: ${JSON.stringify(topic)}`);
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(payload);
    } catch (error) {
      throw new UplinkError('ERR_UPLINK_PAYLOAD', `payload is not JSON: ${(error as Error).message}`);
    }
    if (text === undefined) throw new UplinkError('ERR_UPLINK_PAYLOAD', 'payload is not JSON');
    const max = this.#options.maxMessageBytes ?? 256 * 1024;
    if (Buffer.byteLength(text) + Buffer.byteLength(topic) > max) {
      throw new UplinkError('ERR_UPLINK_TOO_LARGE', `reading larger than ${max} bytes`);
    }
    return { topic, payload: text };
  }

  /** One fsync'd commit for every reading queued this turn. */
  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0 || !this.#outbox) return;
    try {
      const dropped = this.#outbox.append(batch);
      this.#counters.accepted += batch.length;
      if (dropped > 0) {
        this.#counters.dropped += dropped;
        this.#throttle.warn('dropped', { dropped }, 'uplink outbox full: oldest readings dropped');
        this.emit('dropped', dropped);
      }
      for (const p of batch) p.resolve();
    } catch (error) {
      this.#throttle.error('append', { err: error }, 'could not write to the uplink outbox');
      for (const p of batch) p.reject(error as Error);
      return;
    }
    this.#pump();
  }

  #connect(): void {
    if (this.#stopping) return;
    const client = mqtt.connect(this.#options.url, { ...this.#mqttOptions, reconnectPeriod: 0 });
    this.#client = client;
    client.on('connect', () => {
      if (this.#client !== client) return;
      this.#counters.connects++;
      this.#delayMs = this.#options.reconnectMinMs ?? 1000;
      this.#throttle.info(
        'connect',
        { queued: this.#outbox?.size().entries },
        'uplink connected: sending the outbox',
      );
      this.#inFlight.clear();
      this.#cursor = 0;
      this.emit('connect');
      this.#pump();
    });
    client.on('error', (error) => {
      this.#lastError = safeMessage(error);
      this.#throttle.warn('error', { reason: this.#lastError }, 'uplink broker error');
    });
    client.on('close', () => {
      if (this.#client !== client || this.#stopping) return;
      this.#counters.disconnects++;
      this.#inFlight.clear();
      client.end(true);
      const jittered = Math.round(this.#delayMs * (0.8 + Math.random() * 0.4));
      this.#delayMs = Math.min(this.#options.reconnectMaxMs ?? 30_000, this.#delayMs * 2);
      this.#retry = setTimeout(() => this.#connect(), jittered);
    });
  }

  /** Hands the next entries to the broker while the window has room. */
  #pump(): void {
    const client = this.#client;
    const outbox = this.#outbox;
    if (!client?.connected || !outbox || this.#stopping) return;
    this.#removeAcked();
    const window = this.#options.maxInFlight ?? 32;
    while (this.#inFlight.size < window) {
      const entries = outbox.after(this.#cursor, window - this.#inFlight.size);
      if (entries.length === 0) return;
      for (const entry of entries) {
        this.#inFlight.add(entry.seq);
        this.#cursor = entry.seq;
        client.publish(
          entry.topic,
          entry.payload,
          { qos: 1, retain: this.#options.retain ?? false },
          (error) => this.#onPuback(client, entry.seq, error),
        );
      }
    }
  }

  #onPuback(client: MqttClient, seq: number, error: Error | undefined): void {
    if (this.#client !== client || !this.#inFlight.has(seq)) return;
    if (error) {
      // Not delivered on this connection: drop it, and the next one starts from the oldest entry.
      this.#lastError = safeMessage(error);
      client.end(true);
      return;
    }
    this.#inFlight.delete(seq);
    this.#acked.push(seq);
    this.#counters.delivered++;
    this.emit('delivered', seq);
    if (this.#inFlight.size === 0) this.#drained?.();
    if (this.#acked.length === 1) setImmediate(() => this.#pump());
  }

  #removeAcked(): void {
    const acked = this.#acked.splice(0);
    try {
      this.#outbox?.remove(acked);
    } catch (error) {
      this.#throttle.error('remove', { err: error }, 'could not remove delivered readings from the outbox');
    }
  }
}
