/**
 * The detections MQTT subscriber's settings (`detections.mqtt` in the config) and the MQTT connection
 * settings the uplink shares. A leaf file (zod only), so the config validates without loading mqtt.js.
 */
import { z } from 'zod';

/** Where the TFG agents publish (spec D.1: MQTT_TOPIC). */
export const TFG_TOPIC = 'tfg/detections/raw';

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/**
 * A broker URL: `mqtt://host[:1883]`, `mqtts://host[:8883]` (TLS), `ws://`/`wss://` (MQTT over
 * WebSocket). Credentials go in `username`/`password`, never in the URL (`pimesh config` prints it).
 */
export const mqttUrl = z
  .url({ protocol: /^(mqtts?|wss?)$/, error: 'must be an mqtt://, mqtts://, ws:// or wss:// URL' })
  .refine((url) => {
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  }, 'must not carry credentials: set username and password (or passwordSecret) instead');

/** A topic filter to subscribe to: `+` and `#` only as whole levels, `#` last. */
export const topicFilter = z
  .string({ error: 'must be an MQTT topic' })
  .min(1)
  .max(65_535)
  .refine(
    (topic) =>
      !topic.includes('\0') &&
      topic.split('/').every((level, i, all) => {
        if (level.includes('#')) return level === '#' && i === all.length - 1;
        return !level.includes('+') || level === '+';
      }),
    'must be an MQTT topic filter such as tfg/detections/raw or tfg/+/raw ("+" and "#" only as whole levels, "#" last)',
  );

/** A client id the broker keeps the persistent session under (printable, no spaces). */
export const clientId = z
  .string({ error: 'must be a client id' })
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable characters without spaces');

/** TLS beyond the URL's scheme: a private CA, a client certificate, and (only when said) no verification. */
export const mqttTlsSchema = z.strictObject({
  /** PEM file of the CA that signed the broker's certificate (default: the system's CAs). */
  ca: z.string().min(1).optional(),
  /** PEM client certificate and key, for brokers that authenticate clients by certificate. */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /**
   * `false` accepts any certificate (the TFG agent's insecure mode on 8883). Never the default: a
   * network that needs it says so here.
   */
  rejectUnauthorized: z.boolean({ error: 'must be true or false' }).default(true),
});
export type MqttTlsConfig = z.output<typeof mqttTlsSchema>;

/** The connection settings every pimesh MQTT client shares (the subscriber and the uplink). */
export const mqttConnectionShape = {
  username: z.string().min(1).optional(),
  /** The password itself (hidden by `pimesh config`)... */
  password: z.string().min(1).optional(),
  /** ...or the name of the secrets-file key that holds it. */
  passwordSecret: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a secrets-file key such as MQTT_PASSWORD')
    .optional(),
  /** TLS files and verification; TLS itself is on for mqtts:// and wss:// URLs. */
  tls: mqttTlsSchema.optional(),
  /** Seconds between pings when idle (MQTT keepalive). */
  keepaliveSeconds: whole('seconds', 5, 3600).default(60),
  /** Reconnect backoff: the first retry after `minMs`, doubling (with jitter) up to `maxMs`. */
  reconnectMinMs: whole('milliseconds', 100, 600_000).default(1000),
  reconnectMaxMs: whole('milliseconds', 100, 3_600_000).default(30_000),
};

const onePassword = <T extends { password?: string; passwordSecret?: string }>(c: T) =>
  !(c.password !== undefined && c.passwordSecret !== undefined);
const backoffOrder = <T extends { reconnectMinMs: number; reconnectMaxMs: number }>(c: T) =>
  c.reconnectMaxMs >= c.reconnectMinMs;

/**
 * The detections subscriber: the broker the TFG agents publish to. Absent `url`: no subscriber.
 * QoS 1 on a persistent session under `clientId`, so what the broker holds while the node is down is
 * delivered when it comes back.
 */
export const detectionsMqttConfigSchema = z
  .strictObject({
    /** `PIMESH_MQTT_URL`. Absent: the subscriber is off. */
    url: mqttUrl.optional(),
    /** `PIMESH_MQTT_TOPIC`. */
    topic: topicFilter.default(TFG_TOPIC),
    /** The persistent session's id: stable across restarts (default `pimesh-<node name>-detections`). */
    clientId: clientId.optional(),
    ...mqttConnectionShape,
    /** Messages being stored at once; the broker waits (TCP flow control) beyond it (the original: 3). */
    maxInFlight: whole('messages', 1, 64).default(16),
    /** A bigger payload is rejected and counted (and acknowledged, so it is not redelivered). */
    maxPayloadBytes: whole('bytes', 1024, 16 * 1024 * 1024).default(256 * 1024),
  })
  .refine(onePassword, { message: 'set password or passwordSecret, not both', path: ['passwordSecret'] })
  .refine(backoffOrder, { message: 'must be at least reconnectMinMs', path: ['reconnectMaxMs'] })
  .prefault({});

export type DetectionsMqttConfig = z.output<typeof detectionsMqttConfigSchema>;

/** The default client id: one per node, so its session survives restarts and never collides with a peer's. */
export function defaultClientId(nodeName: string, role: 'detections' | 'uplink'): string {
  const safe = nodeName.replace(/[^\x21-\x7e]/g, '-').slice(0, 96) || 'node';
  return `pimesh-${safe}-${role}`;
}

/** What resolving `passwordSecret` needs of the secrets file (src/mesh/dns/secrets.ts fits). */
export interface SecretSource {
  get(name: string): string | undefined;
}

/** The password to connect with: `password`, else the secret `passwordSecret` names (undefined if unset). */
export function mqttPassword(
  config: { password?: string; passwordSecret?: string },
  secrets?: SecretSource,
): string | undefined {
  if (config.password !== undefined) return config.password;
  if (config.passwordSecret === undefined) return undefined;
  return secrets?.get(config.passwordSecret);
}
