import type { AdminKey } from '../http/admin-auth.js';
import type { Logger } from '../log.js';
import { type PiBackendConfig, piBackendPaths } from './config.js';
import { DataStore } from './data-store.js';
import { KeysFile } from './keys-file.js';
import { type Coordinates, OpenMeteo } from './open-meteo.js';
import { SystemStats } from './system-stats.js';
import type { WeatherDeps } from './weather.js';

/** Everything the pi_backend routes use (see src/http/routes/pi-backend.ts). */
export interface PiBackend {
  adminKey: AdminKey;
  keys: KeysFile;
  data: DataStore;
  system: SystemStats;
  /** Open-Meteo, the keys, the GNSS fix and the default place: what location and weather need. */
  weather: WeatherDeps;
}

export interface PiBackendOptions {
  dataDir: string;
  adminKey: AdminKey;
  log: Logger;
  /** The node's current GNSS fix (the gpsd client), used when a request names no location. */
  gnssFix?: () => Promise<Coordinates | undefined>;
}

/** Builds the pi_backend parts from the `piBackend` config section. Nothing is fetched until asked. */
export function createPiBackend(config: PiBackendConfig, options: PiBackendOptions): PiBackend {
  const paths = piBackendPaths(config, options.dataDir);
  const log = options.log.child({ module: 'pi-backend' });
  const keys = new KeysFile(paths.keysFile, { log });
  const openMeteo = new OpenMeteo({ ...config.upstreams, timeoutMs: config.timeoutMs });
  return {
    adminKey: options.adminKey,
    keys,
    data: new DataStore(paths.dataFile),
    system: new SystemStats(),
    weather: {
      openMeteo,
      keys,
      gnssFix: options.gnssFix,
      defaultLocation: config.defaultLocation,
      openWeatherBaseUrl: config.upstreams.openWeather,
      timeoutMs: config.timeoutMs,
      log,
    },
  };
}

export { type PiBackendConfig, piBackendConfigSchema, piBackendPaths } from './config.js';
