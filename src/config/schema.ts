import { z } from 'zod';
import { gnssConfigSchema } from '../hardware/gnss/config.js';
import { lteConfigSchema } from '../hardware/lte/config.js';
import { senseHatConfigSchema } from '../hardware/sensehat/config.js';
import { siteConfigSchema } from '../http/site/config.js';
import { detectionsConfigSchema } from '../ingest/detections/config.js';
import { lanSensorsConfigSchema } from '../ingest/lan-sensors/config.js';
import { uplinkConfigSchema } from '../ingest/uplink/config.js';
import { cadenceConfigSchema } from '../jobs/cadence-config.js';
import { scheduleJobsSchema } from '../jobs/jobs-config.js';
import { retentionConfigSchema } from '../jobs/retention.js';
import { dnsConfigSchema } from '../mesh/dns/config.js';
import { testInput } from '../mesh/php-escape.js';
import { metricsConfigSchema } from '../metrics/config.js';
import { piBackendConfigSchema } from '../pi-backend/config.js';
import { pollerConfigSchema } from '../poller/config.js';
import { systemMonitorConfigSchema } from '../system/config.js';
import { cronEvery } from '../util/cron-every.js';

/** `sim`, `none` or a serial device path such as /dev/ttyUSB0. */
const chargeControllerSource = z
  .string({ error: 'must be a string' })
  .refine(
    (s) => s === 'sim' || s === 'none' || s.startsWith('/'),
    'must be "sim", "none" or an absolute serial device path such as /dev/ttyUSB0',
  );

/** `on`, `off` or one interface address (e.g. 127.0.0.1). */
const mdnsMode = z.union([z.literal('on'), z.literal('off'), z.ipv4(), z.ipv6()], {
  error: 'must be "on", "off" or one interface address such as 127.0.0.1',
});

const port = z.number({ error: 'must be a port number 0-65535' }).int().min(0).max(65535);
const ms = (min: number, max: number) =>
  z
    .number({ error: 'must be a number of milliseconds' })
    .int()
    .min(min, `must be at least ${min} ms`)
    .max(max, `must be at most ${max} ms`);

export const configSchema = z.strictObject({
  http: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: port.default(8080),
      /** Names this node answers state-changing requests under, besides its addresses and localhost. */
      hostNames: z.array(z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name')).default([]),
      /** Reverse proxies whose X-Forwarded-For / Forwarded are believed for the client address. */
      trustedProxies: z.array(z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address' })).default([]),
      /** Deadlines and the connection cap (see src/http/server.ts). */
      limits: z
        .strictObject({
          headersMs: ms(1000, 120_000).default(10_000),
          requestMs: ms(1000, 600_000).default(30_000),
          keepAliveMs: ms(100, 120_000).default(5_000),
          idleMs: ms(1000, 600_000).default(30_000),
          responseMs: ms(1000, 3_600_000).default(60_000),
          maxConnections: z.number().int().min(16).max(65_536).default(1024),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Readings; charge-controller files live in `<dataDir>/charge-controller/`. */
  dataDir: z.string().min(1).default('./data'),
  /** Holds deviceList.json. */
  peersDir: z.string().min(1).default('./peers'),
  /** The node profile in the original local.json format; optional. */
  localJson: z.string().min(1).optional(),
  /** The node's IANA time zone; file dates and naive datetimes use it. Defaults to the process's zone. */
  timezone: z.string().min(1).optional(),
  identity: z
    .strictObject({
      name: z.string().min(1).max(64).optional(),
      mac: z
        .string()
        .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'must be a MAC address like b8:27:eb:00:00:01')
        .optional(),
      publicIp: z.string().min(1).optional(),
      /** A what-is-my-IP URL answering the address as plain text; off unless set. */
      publicIpUrl: z.url({ error: 'must be an http(s) URL' }).optional(),
    })
    .prefault({}),
  network: z
    .strictObject({
      key: z
        .string()
        .min(1)
        .refine(
          (k) => testInput(k) === k,
          'must not contain < > & " \' \\ or surrounding spaces: nodes compare the key after PHP escaping',
        )
        .optional(),
      keyHash: z
        .string()
        .regex(/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/, 'must be a bcrypt hash ($2y$10$...)')
        .optional(),
      seeds: z.array(z.string().min(1)).default([]),
      /** Seconds between gossip rounds (the original posts every 15 minutes). */
      gossipIntervalSeconds: z
        .number()
        .int()
        .min(1)
        .refine(
          (s) => cronEvery(s) !== undefined,
          'must divide a minute, an hour or a day evenly (e.g. 300, 900)',
        )
        .default(900),
      /** Peers posted to per round besides the seeds. */
      fanout: z.number().int().min(1).max(64).default(3),
      /** A peer silent this long is stale: no longer posted to (one probe per round). */
      staleAfterDays: z.number().positive().default(7),
      /**
       * Answer `chargecontroller.php?day=deviceList` with deviceList.json as the original did (every
       * node's IP, MAC and POE log, public), for the original admin console's Network Status.
       */
      publicDeviceList: z.boolean({ error: 'must be true or false' }).default(false),
      /** A peer silent this long is dropped from the gossip targets (deviceList.json keeps it). */
      dropAfterDays: z.number().positive().default(30),
      /** Seconds between peer-data rounds (each peer's opendata.php?day=4; the original runner's 20 min). */
      peerDataIntervalSeconds: z
        .number()
        .int()
        .min(1)
        .refine(
          (s) => cronEvery(s) !== undefined,
          'must divide a minute, an hour or a day evenly (e.g. 1200)',
        )
        .default(1200),
      /** One peer's whole day=4 exchange, body included. */
      peerDataTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      /** The largest day=4 answer read, and the largest file kept, per peer. */
      peerDataMaxBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(2 * 1024 * 1024),
    })
    .prefault({}),
  election: z
    .strictObject({
      /** `stable` (hysteresis, hold time, staleness, tie-break) or `compatible` (solarProtocol.py's rule). */
      rule: z.enum(['stable', 'compatible'], { error: 'must be "stable" or "compatible"' }).default('stable'),
      /** The metric compared: `scaled-wattage` (PV power L x 50 / pvWatts) or `PV-voltage` (2021 networks). */
      metric: z
        .enum(['scaled-wattage', 'PV-voltage'], { error: 'must be "scaled-wattage" or "PV-voltage"' })
        .default('scaled-wattage'),
      /** Seconds between rounds when the daemon schedules them (the original: every 5 minutes). */
      intervalSeconds: z
        .number()
        .int()
        .min(1)
        .refine(
          (s) => cronEvery(s) !== undefined,
          'must divide a minute, an hour or a day evenly (e.g. 60, 300)',
        )
        .default(300),
      /** A sample older than this does not compete (stable rule). */
      maxSampleAgeSeconds: z.number().positive().default(600),
      /** A sample dated further ahead than this is invalid (stable rule). */
      maxClockSkewSeconds: z.number().min(0).default(120),
      /** A challenger must beat the holder by this fraction (0.1 = 10 %) (stable rule). */
      margin: z.number().min(0).max(10).default(0.1),
      /** The holder keeps the name at least this long before a challenger can take it (stable rule). */
      holdSeconds: z.number().min(0).default(900),
      /** Per-peer budget for its answer, retries included (the original: 5 s). */
      timeoutMs: z.number().int().positive().max(60_000).default(5000),
      /** Extra attempts after a refused connection, within the budget. */
      retries: z.number().int().min(0).max(5).default(1),
    })
    .prefault({}),
  /** The DNS provider that points the public name at this node when it wins; none by default. */
  dns: dnsConfigSchema.optional(),
  adminKey: z.string().min(8, 'must be at least 8 characters').optional(),
  /** A bcrypt hash of the admin key, instead of (or beside) the plain key. */
  adminKeyHash: z
    .string()
    .regex(/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/, 'must be a bcrypt hash ($2b$10$...)')
    .optional(),
  chargeController: z
    .strictObject({
      source: chargeControllerSource.default('sim'),
      baudRate: z.number().int().positive().default(115200),
      slaveId: z.number().int().min(1).max(247).default(1),
      timeoutMs: z.number().int().positive().default(1000),
      retries: z.number().int().min(0).max(10).default(2),
      /** The node reports `degraded` once this many samples in a row failed. */
      degradedAfterFailures: z.number().int().min(1).max(1000).default(3),
      /** Seconds between samples (the original logs every 120 s). */
      sampleIntervalSeconds: z
        .number()
        .int()
        .min(1)
        .refine(
          (s) => cronEvery(s) !== undefined,
          'must divide a minute, an hour or a day evenly (e.g. 60, 120, 300)',
        )
        .default(120),
    })
    .prefault({}),
  /** piStat's system monitor (/stats, /processes, ...). */
  systemMonitor: systemMonitorConfigSchema,
  /** GNSS: gpsd and the raw NMEA UART. */
  gnss: gnssConfigSchema,
  /** The LTE modem: AT port and power/flight-mode control. */
  lte: lteConfigSchema,
  sensehat: senseHatConfigSchema,
  /** pi_backend's keys file, data store and upstream services. */
  piBackend: piBackendConfigSchema,
  /** pi_backend's data poller (poller_config.ini). */
  poller: pollerConfigSchema,
  /** poe-backend's LAN sensor boards (4-byte TCP frames into SQLite); off until a port is set. */
  sensors: lanSensorsConfigSchema,
  /** The TFG backend's BLE detections (HTTP, MQTT, /ws); off until a key, database or broker is set. */
  detections: detectionsConfigSchema,
  /** The upstream MQTT broker this node publishes its own readings to, through an on-disk outbox. */
  uplink: uplinkConfigSchema,
  /** `GET /metrics` for Prometheus: on and public by default, a bearer token when set. */
  metrics: metricsConfigSchema,
  /** The node's website at `/` and the steward's `/local/`, with the low-power page; off until a dir is set. */
  site: siteConfigSchema,
  retention: retentionConfigSchema,
  mdns: mdnsMode.default('on'),
  /**
   * `enabled` (PIMESH_SCHEDULE): the daemon runs its jobs itself; off, it only serves and cron drives
   * the one-shots. `cadence`: the energy-aware intervals, used by both.
   */
  schedule: z
    .preprocess(
      // `"schedule": true | false` (before the cadence) still means { enabled }.
      (v) => (typeof v === 'boolean' ? { enabled: v } : v),
      z.strictObject({
        enabled: z.boolean({ error: 'must be on or off' }).default(true),
        /** Per job (default on): off moves that job to cron or a systemd timer (cron/). */
        jobs: scheduleJobsSchema,
        /** Gossip, election and peer data every 10-60 min by battery and PV (the original runner). */
        cadence: cadenceConfigSchema,
      }),
    )
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
