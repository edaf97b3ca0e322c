/**
 * The uplink's settings (`uplink` in the config): the upstream broker this node publishes its own
 * readings to, and the on-disk outbox that holds them while it cannot. A leaf file (zod only).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { clientId, mqttConnectionShape, mqttUrl } from '../detections/mqtt-config.js';

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** Topic characters a prefix may not hold: the wildcards and NUL. */
const TOPIC_LITERAL = /^[^+#\0]*$/;

export const uplinkConfigSchema = z
  .strictObject({
    /** `PIMESH_UPLINK_URL`: the upstream broker (mosquitto, EMQX...). Absent: no uplink, no outbox. */
    url: mqttUrl.optional(),
    /** Put before every topic suffix (default `pimesh/<node name>/`). No wildcards. */
    topicPrefix: z
      .string()
      .max(1024)
      .regex(TOPIC_LITERAL, 'must not contain + or # (a topic to publish to, not a filter)')
      .optional(),
    /** Default `pimesh-<node name>-uplink`. */
    clientId: clientId.optional(),
    ...mqttConnectionShape,
    /** The outbox's directory (default `<dataDir>/uplink`); it holds `outbox.db`. */
    outboxDir: z.string().min(1).optional(),
    /**
     * The outbox's bound: topics and payloads past this many bytes drop the oldest entries (counted).
     * The SQLite file is somewhat larger (row and page overhead).
     */
    maxBytes: whole('bytes', 64 * 1024, 8 * 1024 * 1024 * 1024).default(32 * 1024 * 1024),
    /** A single reading bigger than this is refused. */
    maxMessageBytes: whole('bytes', 256, 16 * 1024 * 1024).default(256 * 1024),
    /** Publications awaiting the broker's PUBACK at once. */
    maxInFlight: whole('messages', 1, 1000).default(32),
    /** Set the retain flag on what is published (the last reading of each topic stays on the broker). */
    retain: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .refine((c) => !(c.password !== undefined && c.passwordSecret !== undefined), {
    message: 'set password or passwordSecret, not both',
    path: ['passwordSecret'],
  })
  .refine((c) => c.reconnectMaxMs >= c.reconnectMinMs, {
    message: 'must be at least reconnectMinMs',
    path: ['reconnectMaxMs'],
  })
  .refine((c) => c.maxMessageBytes <= c.maxBytes, {
    message: 'must be at most maxBytes',
    path: ['maxMessageBytes'],
  })
  .prefault({});

export type UplinkConfig = z.output<typeof uplinkConfigSchema>;

/** The outbox directory: `outboxDir`, else `<dataDir>/uplink`. */
export function uplinkOutboxDir(config: UplinkConfig, dataDir: string): string {
  return config.outboxDir ?? join(dataDir, 'uplink');
}

/** The topic prefix: `topicPrefix`, else `pimesh/<node name>/` (the name's `/`, `+`, `#` replaced). */
export function uplinkTopicPrefix(config: UplinkConfig, nodeName: string): string {
  if (config.topicPrefix !== undefined) return config.topicPrefix;
  return `pimesh/${nodeName.replace(/[/+#\0]/g, '-') || 'node'}/`;
}
