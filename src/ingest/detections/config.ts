import { join } from 'node:path';
import { z } from 'zod';
import { detectionsMqttConfigSchema } from './mqtt-config.js';

/** The original's defaults (NEAR_THRESHOLD / MEDIUM_THRESHOLD, DEVICES_PER_PERSON). */
export const DEFAULT_THRESHOLDS = { near: -60, medium: -75 } as const;
export const DEFAULT_DEVICES_PER_PERSON = 1.5;

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** An RSSI threshold as the original's PUT /settings/thresholds takes it: a whole number of dBm, -127..-1. */
const threshold = whole('dBm', -127, -1);

/** An IANA zone name Intl knows (Europe/Madrid, UTC). */
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Madrid or UTC');

/** An agent's DEVICE_ID as the devices table holds it (varchar(50)). */
const deviceId = z.string().min(1).max(50, 'must be at most 50 characters (the devices table holds 50)');

/**
 * BLE detections (`detections` in the config): the TFG backend's API, its store and its WebSocket.
 * Off until configured: `enabled` defaults to true as soon as a key, an agent key, a database URL or
 * an MQTT broker is set.
 */
export const detectionsConfigSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    /** `postgres://user:pass@host/db`: PostgreSQL (PIMESH_DATABASE_URL). Absent: SQLite in `dbPath`. */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** The SQLite file; default `<dataDir>/detections.db`. */
    dbPath: z.string().min(1).optional(),
    /** The zone of naive timestamps, local days and hours; default the node's (`timezone`, TZ). */
    timezone: timeZone.optional(),
    /** Devices per person in `estimated_people`. */
    devicesPerPerson: z
      .number({ error: 'must be a number' })
      .min(0.1, 'must be at least 0.1')
      .max(100, 'must be at most 100')
      .default(DEFAULT_DEVICES_PER_PERSON),
    /** Seed the stored thresholds (on first start) and what POST /settings/thresholds/reset sets. */
    thresholds: z
      .strictObject({
        near: threshold.default(DEFAULT_THRESHOLDS.near),
        medium: threshold.default(DEFAULT_THRESHOLDS.medium),
      })
      .refine((t) => t.near > t.medium, { message: 'near must be above medium', path: ['near'] })
      .prefault({}),
    /** The key every writer may send as `X-API-Key` (PIMESH_DETECTIONS_KEY). */
    key: z.string().min(1).optional(),
    /** A bcrypt hash of it instead. */
    keyHash: z
      .string()
      .regex(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/, 'must be a bcrypt hash ($2y$...)')
      .optional(),
    /** Per-agent keys: `device_id → key`; such a key writes only its own agent's detections and device. */
    agentKeys: z.record(deviceId, z.string().min(1)).default({}),
    /** GETs and the WebSocket without a key (the original dashboard sends none). */
    readsPublic: z.boolean().default(true),
    /** Seconds between `stats_update` messages on /ws; 0: none. */
    statsIntervalSeconds: whole('seconds', 0, 86_400).default(30),
    limits: z
      .strictObject({
        /** A request body over this is a 413. */
        maxBodyBytes: whole('bytes', 1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
        /** Detections in one batch (bulk body or MQTT message); more is a 422. */
        maxDetectionsPerBatch: whole('detections', 1, 1_000_000).default(20_000),
        maxWebSocketClients: whole('clients', 1, 10_000).default(64),
        /** A WebSocket client with more unsent output than this is dropped. */
        maxWebSocketBufferBytes: whole('bytes', 1024, 64 * 1024 * 1024).default(256 * 1024),
      })
      .prefault({}),
    postgres: z
      .strictObject({
        /** Connections at most. */
        poolSize: whole('connections', 1, 64).default(4),
        /** A statement running longer is cancelled by the server. */
        statementTimeoutMs: whole('milliseconds', 100, 600_000).default(15_000),
        connectTimeoutMs: whole('milliseconds', 100, 120_000).default(5_000),
      })
      .prefault({}),
    /** How long a delivery key (an MQTT message's hash) is remembered, so a redelivery stores nothing. */
    deliveryKeyDays: whole('days', 1, 365).default(7),
    /**
     * Detections older than this are deleted (hourly check); the hourly and daily aggregates stay.
     * 90 days at one detection a second is about 8 M rows, 1.5 GB with indexes.
     */
    retentionDays: whole('days', 1, 36_500).default(90),
    /** The MQTT subscriber's broker (mqtt-config.ts); off without `url`. */
    mqtt: detectionsMqttConfigSchema,
  })
  .transform(({ enabled, ...rest }) => ({
    ...rest,
    enabled:
      enabled ??
      (rest.key !== undefined ||
        rest.keyHash !== undefined ||
        Object.keys(rest.agentKeys).length > 0 ||
        rest.databaseUrl !== undefined ||
        rest.mqtt.url !== undefined),
  }))
  .prefault({});

export type DetectionsConfig = z.output<typeof detectionsConfigSchema>;

/** The SQLite file: `dbPath`, else `<dataDir>/detections.db`. */
export function detectionsDbPath(config: Pick<DetectionsConfig, 'dbPath'>, dataDir: string): string {
  return config.dbPath ?? join(dataDir, 'detections.db');
}
