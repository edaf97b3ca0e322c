import { join } from 'node:path';
import { z } from 'zod';
import { WEATHER_SERVICES } from '../pi-backend/config.js';

/** The data poller (`poller` in the config); its frequencies live in poller_config.ini. */
export const pollerConfigSchema = z
  .strictObject({
    /** Off by default: a node polls (and reaches Open-Meteo) only when asked to. */
    enabled: z.boolean({ error: 'must be on or off' }).default(false),
    /** pi_backend's `[Frequencies]` file; default `<dataDir>/poller_config.ini`. */
    configFile: z.string().min(1).optional(),
    /** One `<source>.jsonl` per source; default `<dataDir>/polled`. */
    dir: z.string().min(1).optional(),
    /** A poll not answered within this is counted as failed. */
    pollTimeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
    /** What the weather poll stores (keys come from the keys file). */
    weatherServices: z
      .array(z.enum(WEATHER_SERVICES, { error: `must be one of ${WEATHER_SERVICES.join(', ')}` }))
      .min(1)
      .default(['open-meteo']),
  })
  .prefault({});

export type PollerConfig = z.output<typeof pollerConfigSchema>;

export function pollerPaths(config: PollerConfig, dataDir: string): { configFile: string; dir: string } {
  return {
    configFile: config.configFile ?? join(dataDir, 'poller_config.ini'),
    dir: config.dir ?? join(dataDir, 'polled'),
  };
}
