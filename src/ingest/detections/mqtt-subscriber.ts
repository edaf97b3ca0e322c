/**
 * The detections MQTT subscriber (the TFG backend's, spec D.2, made durable): QoS 1 on a persistent
 * session, so what the broker holds while the node is down arrives when it is back; every message is
 * stored through the one ingest interface before its PUBACK is sent, so a crash between the two
 * means a redelivery, which the delivery key (a content hash) makes idempotent.
 *
 * Flow: at most `maxInFlight` messages are being stored at once. mqtt.js reads one packet at a time
 * and waits for `handleMessage` to call back before it reads the next, so holding that callback while
 * the window is full stops reading the socket and TCP holds the broker back. PUBACKs are sent in the
 * order the messages came (MQTT 3.1.1, 4.6), each once its batch is stored, and only on the connection
 * the message came on. A bad payload is counted, logged (bounded) and acknowledged, so it is not
 * redelivered forever; a store failure is retried with backoff while the message holds its slot.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { PimeshError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import { TFG_TOPIC } from './mqtt-config.js';
import {
  type Backoff,
  type MqttConnectOptions,
  mqttClientOptions,
  reconnectBackoff,
  safeMessage,
} from './mqtt-options.js';
import { deliveryKey, parseDetectionPayload, type RejectReason } from './mqtt-payload.js';
import type { IngestBatch, IngestResult } from './types.js';

export interface MqttSubscriberOptions extends Omit<MqttConnectOptions, 'clean'> {
  /** Default `tfg/detections/raw`. */
  topic?: string;
  ingest: IngestBatch;
  log: Logger;
  /** Messages being stored at once (default 3, as the original's semaphore). */
  maxInFlight?: number;
  /** Default 256 KiB. */
  maxPayloadBytes?: number;
  reconnectMaxMs?: number;
  /** A failed store is retried after this, doubling up to `retryMaxMs` (defaults 1 s, 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long stop() waits for batches being stored before it closes anyway (default 5 s). */
  stopTimeoutMs?: number;
}

/** Why a message was refused: its payload, or the store (a 4xx from ingest). */
export type RejectedBy = RejectReason | 'refused-by-store';

export interface MqttSubscriberCounters {
  connected: boolean;
  subscribed: boolean;
  /** Messages handed over by the broker, redeliveries included. */
  received: number;
  /** Batches stored, and the detections in them (and the ones the store skipped). */
  stored: number;
  detections: number;
  skipped: number;
  /** Redeliveries of a batch already stored (same delivery key): acknowledged, nothing stored. */
  duplicates: number;
  rejected: number;
  rejectedBy: Partial<Record<RejectedBy, number>>;
  /** Store attempts that failed and were retried. */
  storeFailures: number;
  acked: number;
  connects: number;
  reconnects: number;
  inFlight: number;
  lastError: string | null;
}

export interface MqttSubscriberEvents {
  subscribed: [];
  stored: [result: IngestResult];
  duplicate: [result: IngestResult];
  rejected: [reason: RejectedBy, detail: string];
  /** Every message once it is settled (stored, duplicate, rejected; not when abandoned by stop()). */
  settled: [];
}

interface Entry {
  stream: unknown;
  messageId: number | undefined;
  done: boolean;
  ack: boolean;
  released: boolean;
}

/** mqtt.js sends PUBACK only through its private sender; the pinned 5.x has it (checked at start). */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: (error?: Error) => void): void;
}

/** Returned to mqtt.js instead of calling back plainly: "go on reading, we send the PUBACK ourselves". */
const DEFERRED = new Error('PUBACK deferred until the batch is stored');

export class MqttSubscriber extends EventEmitter<MqttSubscriberEvents> {
  readonly #options: MqttSubscriberOptions;
  readonly #throttle: LogThrottle;
  readonly #topic: string;
  readonly #maxInFlight: number;
  readonly #abort = new AbortController();
  #client: MqttClient | undefined;
  #backoff: Backoff | undefined;
  #stopping = false;
  /** Messages of the current connection in receipt order, until acknowledged. */
  #acks: Entry[] = [];
  /** mqtt.js callbacks waiting for a free slot. */
  #waiting: (() => void)[] = [];
  #idle: (() => void) | undefined;
  #counters: MqttSubscriberCounters = {
    connected: false,
    subscribed: false,
    received: 0,
    stored: 0,
    detections: 0,
    skipped: 0,
    duplicates: 0,
    rejected: 0,
    rejectedBy: {},
    storeFailures: 0,
    acked: 0,
    connects: 0,
    reconnects: 0,
    inFlight: 0,
    lastError: null,
  };

  constructor(options: MqttSubscriberOptions) {
    super();
    this.#options = options;
    this.#throttle = new LogThrottle(options.log.child({ module: 'detections-mqtt' }));
    this.#topic = options.topic ?? TFG_TOPIC;
    this.#maxInFlight = options.maxInFlight ?? 16;
  }

  counters(): MqttSubscriberCounters {
    return { ...this.#counters, rejectedBy: { ...this.#counters.rejectedBy } };
  }

  /** Connects in the background (a broker that is down does not hold the node's start-up). */
  async start(): Promise<void> {
    if (this.#client) return;
    const options = await mqttClientOptions({ ...this.#options, clean: false });
    const client = mqtt.connect(this.#options.url, options);
    if (typeof (client as unknown as PacketSender)._sendPacket !== 'function') {
      client.end(true);
      throw new PimeshError('this mqtt.js has no _sendPacket: pin mqtt 5.x', { code: 'ERR_MQTT_VERSION' });
    }
    this.#client = client;
    client.handleMessage = (packet, callback) => this.#receive(client, packet, callback);
    this.#backoff = reconnectBackoff(
      client,
      options.reconnectPeriod ?? 1000,
      this.#options.reconnectMaxMs ?? 30_000,
    );
    const where = { url: safeMessage(this.#options.url), topic: this.#topic, clientId: options.clientId };
    client.on('connect', (connack) => {
      this.#counters.connects++;
      this.#counters.connected = true;
      const fields = { ...where, sessionPresent: connack.sessionPresent };
      this.#throttle.info('connect', fields, 'MQTT subscriber connected');
      client.subscribe(this.#topic, { qos: 1 }, (error, granted) => {
        if (error || granted?.[0]?.qos === 128) {
          const reason = error ? safeMessage(error) : 'the broker refused the subscription';
          this.#counters.lastError = reason;
          this.#throttle.error('subscribe', { ...where, reason }, 'MQTT subscription failed');
          return;
        }
        this.#counters.subscribed = true;
        this.emit('subscribed');
      });
    });
    client.on('close', () => {
      if (this.#counters.connected) this.#throttle.warn('close', where, 'MQTT broker connection lost');
      this.#counters.connected = false;
      this.#counters.subscribed = false;
      // Their PUBACKs cannot go on another connection: the broker redelivers them, the key dedupes.
      for (const entry of this.#acks.splice(0)) if (entry.done) this.#release(entry);
    });
    client.on('reconnect', () => {
      this.#counters.reconnects++;
    });
    client.on('error', (error) => {
      this.#counters.lastError = safeMessage(error);
      this.#throttle.warn('error', { ...where, reason: this.#counters.lastError }, 'MQTT client error');
    });
  }

  /**
   * Stops reading, waits (up to `stopTimeoutMs`) for the batches being stored and acknowledges them,
   * then disconnects. What was not acknowledged stays with the broker for the next start.
   */
  async stop(): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    if (this.#counters.inFlight > 0) {
      const idle = new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
      const timer = sleep(this.#options.stopTimeoutMs ?? 5000, undefined, { ref: false });
      await Promise.race([idle, timer]);
    }
    this.#backoff?.dispose();
    for (const next of this.#waiting.splice(0)) next();
    await client.endAsync(this.#counters.inFlight > 0);
    this.#counters.connected = false;
    this.#counters.subscribed = false;
    this.#throttle.flush();
  }

  #receive(client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void {
    // Stopping: not stored, not acknowledged; the broker keeps it for the next session.
    if (this.#stopping) {
      callback(DEFERRED);
      return;
    }
    const entry: Entry = {
      stream: client.stream,
      messageId: packet.messageId,
      done: false,
      ack: false,
      released: false,
    };
    if (packet.qos > 0) this.#acks.push(entry);
    this.#counters.inFlight++;
    this.#counters.received++;
    void this.#handle(packet, entry);
    const proceed = () => callback(DEFERRED);
    if (this.#counters.inFlight < this.#maxInFlight) proceed();
    else this.#waiting.push(proceed);
  }

  async #handle(packet: IPublishPacket, entry: Entry): Promise<void> {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const parsed = parseDetectionPayload(payload, this.#options.maxPayloadBytes ?? 256 * 1024);
    let result: IngestResult | undefined;
    let refused: [RejectedBy, string] | undefined = parsed.ok ? undefined : [parsed.reason, parsed.detail];
    if (parsed.ok) {
      try {
        result = await this.#store(parsed.batch, deliveryKey(packet.topic, payload));
      } catch (error) {
        refused = ['refused-by-store', safeMessage(error)];
      }
    }
    entry.done = true;
    entry.ack = refused !== undefined || result !== undefined;
    if (refused) this.#reject(refused[0], refused[1], packet.topic);
    else if (result?.duplicate) this.#counters.duplicates++;
    else if (result) {
      this.#counters.stored++;
      this.#counters.detections += result.count;
      this.#counters.skipped += result.skipped;
    }
    this.#flushAcks();
    if (!this.#acks.includes(entry)) this.#release(entry);
    // Listeners run after the PUBACK is due; one that throws is logged, never taken for a failed store.
    try {
      if (refused) this.emit('rejected', refused[0], refused[1]);
      else if (result) this.emit(result.duplicate ? 'duplicate' : 'stored', result);
      if (entry.ack) this.emit('settled');
    } catch (error) {
      this.#throttle.error('listener', { err: error }, 'an MQTT subscriber listener failed');
    }
  }

  /** Stores the batch, retrying failures until it is stored; undefined when stop() gave up on it. */
  async #store(batch: Parameters<IngestBatch>[0], key: string): Promise<IngestResult | undefined> {
    let delay = this.#options.retryMinMs ?? 1000;
    for (;;) {
      try {
        return await this.#options.ingest(batch, { deliveryKey: key, via: 'mqtt' });
      } catch (error) {
        // The store says the batch itself is wrong: retrying cannot help.
        if (error instanceof PimeshError && error.status < 500) throw error;
        this.#counters.storeFailures++;
        this.#counters.lastError = safeMessage(error);
        this.#throttle.error('store', { err: error }, 'could not store an MQTT detections batch; retrying');
      }
      if (this.#stopping) return undefined;
      await sleep(delay, undefined, { signal: this.#abort.signal }).catch(() => {});
      if (this.#stopping) return undefined;
      delay = Math.min(this.#options.retryMaxMs ?? 30_000, delay * 2);
    }
  }

  #reject(reason: RejectedBy, detail: string, topic: string): void {
    this.#counters.rejected++;
    this.#counters.rejectedBy[reason] = (this.#counters.rejectedBy[reason] ?? 0) + 1;
    this.#throttle.warn(`reject:${reason}`, { reason, detail, topic }, 'MQTT detections message refused');
  }

  /** Sends the PUBACKs now due: every settled message at the head of the receipt order. */
  #flushAcks(): void {
    const client = this.#client;
    while (this.#acks.length > 0 && this.#acks[0].done) {
      const entry = this.#acks.shift() as Entry;
      if (entry.ack && entry.messageId !== undefined && client?.connected && client.stream === entry.stream) {
        (client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId: entry.messageId });
        this.#counters.acked++;
      }
      this.#release(entry);
    }
  }

  #release(entry: Entry): void {
    if (entry.released || !entry.done) return;
    entry.released = true;
    this.#counters.inFlight--;
    this.#waiting.shift()?.();
    if (this.#counters.inFlight === 0) this.#idle?.();
  }
}
