import type { Logger } from '../log.js';
import type { PiBackendConfig } from '../pi-backend/config.js';
import type { PiBackend } from '../pi-backend/index.js';
import { type PollerConfig, pollerPaths } from './config.js';
import { PolledStore } from './polled-store.js';
import { Poller } from './poller.js';
import { pollIntervals, readPollerConfig } from './poller-config.js';
import { buildPollSources, type PollFunctions, piBackendPolls } from './sources.js';

export interface PollerSetup {
  /** Undefined when `poller.enabled` is off. */
  poller: Poller | undefined;
  store: PolledStore;
}

/**
 * Reads poller_config.ini (once: a change takes effect at the next start, as in pi_backend) and builds
 * the poller with the pi_backend polls plus the drivers' `extra` ones (gps, sensehat, lte). An invalid
 * file throws ConfigError listing every problem. The store is built either way, for `GET /api/polled`.
 */
export async function setupPoller(
  config: PollerConfig,
  options: {
    dataDir: string;
    log: Logger;
    backend: PiBackend;
    piBackendConfig: PiBackendConfig;
    extra?: PollFunctions;
    timeZone?: string;
  },
): Promise<PollerSetup> {
  const paths = pollerPaths(config, options.dataDir);
  const store = new PolledStore(paths.dir);
  if (!config.enabled) return { poller: undefined, store };
  const log = options.log.child({ module: 'poller' });
  const { frequencies, found } = await readPollerConfig(paths.configFile);
  if (!found) log.info({ file: paths.configFile, frequencies }, 'no poller_config.ini; using the defaults');
  const fns: PollFunctions = {
    ...piBackendPolls(options.backend, {
      weatherServices: config.weatherServices,
      climate: options.piBackendConfig.climate,
    }),
    ...options.extra,
  };
  const sources = buildPollSources(pollIntervals(frequencies), fns, log);
  const poller = new Poller({
    sources,
    store,
    log,
    pollTimeoutMs: config.pollTimeoutMs,
    timeZone: options.timeZone,
  });
  return { poller, store };
}

export { type PollerConfig, pollerConfigSchema, pollerPaths } from './config.js';
export { POLL_SOURCES } from './poller-config.js';
