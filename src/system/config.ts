import { z } from 'zod';

/**
 * An integer setting that piStat clamps rather than rejects: a value out of range is silently
 * brought to the nearest bound (PISTAT_RATE_LIMIT_REQUESTS=5000 → 1000). A non-integer is still an
 * error naming the setting (piStat fell back to the default without saying so).
 */
function clampedInt(min: number, max: number, fallback: number) {
  return z
    .number({ error: `must be a whole number (clamped to ${min}..${max})` })
    .int({ error: `must be a whole number (clamped to ${min}..${max})` })
    .transform((n) => Math.min(max, Math.max(min, n)))
    .default(fallback);
}

/**
 * The system monitor (piStat's API: /stats, /processes, /network/interfaces, /storage/devices,
 * /health, /metrics/history, /system/config). Every default is piStat's.
 */
export const systemMonitorConfigSchema = z
  .strictObject({
    /** Serve the system monitor routes at all. */
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    /** How long a collected /stats answer is served again (PISTAT_CACHE_SECONDS, 0..3600). */
    cacheSeconds: clampedInt(0, 3600, 2),
    rateLimit: z
      .strictObject({
        /** PISTAT_RATE_LIMIT_ENABLED. */
        enabled: z.boolean({ error: 'must be true or false' }).default(true),
        /** Requests allowed per client address and window (PISTAT_RATE_LIMIT_REQUESTS, 1..1000). */
        requests: clampedInt(1, 1000, 60),
        /** The sliding window in seconds (PISTAT_RATE_LIMIT_WINDOW, 1..3600). */
        windowSeconds: clampedInt(1, 3600, 60),
        /** Client addresses tracked at most; the least recently seen are forgotten first. */
        maxClients: z.number().int().min(1).max(1_000_000).default(10_000),
      })
      .prefault({}),
    compression: z
      .strictObject({
        /** gzip answers for clients that accept it (PISTAT_COMPRESSION). */
        enabled: z.boolean({ error: 'must be true or false' }).default(true),
        /** Smaller bodies are sent as they are (PISTAT_MIN_COMPRESS_SIZE, 0..10000). */
        thresholdBytes: clampedInt(0, 10_000, 500),
      })
      .prefault({}),
    /** The vcgencmd executable (Raspberry Pi firmware tool); absent elsewhere, and its keys with it. */
    vcgencmd: z.string().min(1, 'must name the vcgencmd executable').default('vcgencmd'),
    /** Timeout of each vcgencmd/iwconfig call (piStat: 5 s). */
    commandTimeoutMs: z.number().int().min(10).max(60_000).default(5000),
    /** Timeout of one whole collection (/stats, /processes, ...): a slower one is a 500. */
    collectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .prefault({});

export type SystemMonitorConfig = z.output<typeof systemMonitorConfigSchema>;

/** piStat's boolean environment parsing: true for true/t/1/yes/y (any case), false for anything else. */
export function piStatBool(raw: string): boolean {
  return ['true', 't', '1', 'yes', 'y'].includes(raw.trim().toLowerCase());
}
