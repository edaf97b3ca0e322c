/**
 * What every pimesh MQTT client shares (the detections subscriber, the uplink, the simulator's agents):
 * mqtt.js options from our settings (TLS files read here, verification on unless switched off), and a
 * reconnect backoff, since mqtt.js itself retries at one fixed period.
 */
import { readFile } from 'node:fs/promises';
import type { IClientOptions, MqttClient } from 'mqtt';
import { PimeshError } from '../../errors.js';
import type { MqttTlsConfig } from './mqtt-config.js';

/** MQTT 3.1.1: what the TFG agents speak, and every broker (mosquitto, EMQX) accepts. */
export const MQTT_3_1_1 = 4;

export interface MqttConnectOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  tls?: Partial<MqttTlsConfig>;
  /** `false`: a persistent session (the broker keeps subscriptions and queued QoS 1 messages). */
  clean: boolean;
  keepaliveSeconds?: number;
  /** The first reconnect delay (the backoff doubles it up to `reconnectMaxMs`). */
  reconnectMinMs?: number;
  /** Deadline for the CONNACK. */
  connectTimeoutMs?: number;
}

/** A TLS file named in the config cannot be read: the client is not started. */
export class MqttConfigError extends PimeshError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'ERR_MQTT_CONFIG', status: 503, cause });
  }
}

async function pem(path: string | undefined, what: string): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    throw new MqttConfigError(`cannot read the MQTT TLS ${what} ${path}: ${(error as Error).message}`, error);
  }
}

/** mqtt.js options for a client; reads the TLS files. `rejectUnauthorized` is true unless configured. */
export async function mqttClientOptions(options: MqttConnectOptions): Promise<IClientOptions> {
  const [ca, cert, key] = await Promise.all([
    pem(options.tls?.ca, 'CA file'),
    pem(options.tls?.cert, 'certificate'),
    pem(options.tls?.key, 'key'),
  ]);
  return {
    protocolVersion: MQTT_3_1_1,
    clientId: options.clientId,
    clean: options.clean,
    username: options.username,
    password: options.password,
    keepalive: options.keepaliveSeconds ?? 60,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectPeriod: options.reconnectMinMs ?? 1000,
    // A refused CONNACK (bad password, banned id) is retried with the same backoff: a broker being
    // reconfigured comes back, and the counters and log say why meanwhile.
    reconnectOnConnackError: true,
    // We subscribe on every connect ourselves (so a session the broker lost is rebuilt too).
    resubscribe: false,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
    // mqtt.js logs through `debug` on every packet, building an array of arguments even when off;
    // a no-op costs nothing. DEBUG=mqttjs* still turns its log on.
    ...(/mqttjs/.test(process.env.DEBUG ?? '') ? {} : { log: () => {} }),
  };
}

export interface Backoff {
  /** The delay before the next reconnect attempt. */
  readonly currentMs: number;
  dispose(): void;
}

/**
 * Exponential reconnect backoff with jitter for an mqtt.js client: each attempt that ends without a
 * connection doubles the period mqtt.js waits (up to `maxMs`); a connection resets it to `minMs`.
 * mqtt.js reads `options.reconnectPeriod` each time it schedules the next attempt.
 */
export function reconnectBackoff(client: MqttClient, minMs: number, maxMs: number): Backoff {
  let period = minMs;
  const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));
  const onReconnect = () => {
    period = Math.min(maxMs, period * 2);
    client.options.reconnectPeriod = jitter(period);
  };
  const onConnect = () => {
    period = minMs;
    client.options.reconnectPeriod = minMs;
  };
  client.on('reconnect', onReconnect);
  client.on('connect', onConnect);
  return {
    get currentMs() {
      return client.options.reconnectPeriod ?? period;
    },
    dispose() {
      client.off('reconnect', onReconnect);
      client.off('connect', onConnect);
    },
  };
}

/** An error message without a URL's credentials (mqtt.js errors rarely carry one, but be sure). */
export function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\/\/[^/@\s]*@/g, '//');
}
