import { join } from 'node:path';
import { z } from 'zod';

/** Where poe-backend listened. `sensors.port` has no default: the listener is off until a port is set. */
export const POE_BACKEND_PORT = 1234;

/** Loopback and the private ranges: wired boards sit on the LAN. */
export const DEFAULT_ALLOW = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/**
 * The LAN sensor listener (`sensors` in the config): poe-backend's 4-byte TCP protocol, a SQLite file
 * with the original's latest-value table and a history, retention, alerts.
 */
export const lanSensorsConfigSchema = z
  .strictObject({
    /** The TCP port boards send to (poe-backend: 1234). Absent: no listener. */
    port: z.number({ error: 'must be a port number 0-65535' }).int().min(0).max(65535).optional(),
    /** The address to listen on (poe-backend: 0.0.0.0). */
    host: z.string({ error: 'must be an address' }).min(1).default('0.0.0.0'),
    /** The SQLite file; default `<dataDir>/sensors.db`. An existing file (poe-backend's) is used as is. */
    dbPath: z.string().min(1).optional(),
    /** The latest-value table: `sensors` (poe-backend's README) or `myapp_sensors_table` (its HEAD). */
    table: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a table name such as sensors or myapp_sensors_table')
      .default('sensors'),
    /** Who may send: addresses and CIDR networks, IPv4 or IPv6. Others are closed at once and counted. */
    allow: z
      .array(
        z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'must be an address or a network' }),
      )
      .default(DEFAULT_ALLOW),
    maxConnections: whole('connections', 1, 65_536).default(256),
    maxPerAddress: whole('connections', 1, 65_536).default(8),
    /** A connection silent this long is closed (boards send every ~2 s). */
    idleTimeoutMs: whole('milliseconds', 1000, 3_600_000).default(30_000),
    /** History older than this is deleted, a few thousand rows at a time. */
    retentionDays: whole('days', 1, 3650).default(30),
    /** And at most this many rows of history (about 65 bytes each on disk: 5 million is about 330 MB), oldest deleted first. */
    maxHistoryRows: whole('rows', 1000, 1_000_000_000).default(5_000_000),
    /** Frames are committed at least this often: a frame is durable within flushMs plus one commit. */
    flushMs: whole('milliseconds', 10, 1000).default(500),
    /** And as soon as this many are waiting. */
    batchSize: whole('frames', 1, 1_000_000).default(10_000),
    /** Frames held while the disk refuses them; beyond this they are dropped and counted. */
    maxQueued: whole('frames', 1, 10_000_000).default(100_000),
    /** POST JSON here when a reading turns critical (one request per sensor at a time). */
    webhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    webhookTimeoutMs: whole('milliseconds', 100, 60_000).default(5000),
    webhookRetries: whole('retries', 0, 10).default(3),
    /** Server-Sent Events clients of /api/sensors/live at once. */
    maxLiveClients: whole('clients', 1, 1000).default(16),
  })
  .refine((c) => c.maxQueued >= c.batchSize, { message: 'must be at least batchSize', path: ['maxQueued'] })
  .refine((c) => c.maxPerAddress <= c.maxConnections, {
    message: 'must be at most maxConnections',
    path: ['maxPerAddress'],
  })
  .prefault({});

export type LanSensorsConfig = z.output<typeof lanSensorsConfigSchema>;

/** The database file: `dbPath`, else `<dataDir>/sensors.db`. */
export function lanSensorsDbPath(config: LanSensorsConfig, dataDir: string): string {
  return config.dbPath ?? join(dataDir, 'sensors.db');
}
