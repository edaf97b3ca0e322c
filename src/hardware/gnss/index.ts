import type { Logger } from '../../log.js';
import type { GnssConfig } from './config.js';
import { GpsdClient } from './gpsd-client.js';
import { type ServiceStateQuery, systemctlIsActive } from './service-state.js';
import { UartReader } from './uart-reader.js';

export type { GnssConfig } from './config.js';
export { gnssConfigSchema } from './config.js';
export { GpsdClient } from './gpsd-client.js';
export { UartReader } from './uart-reader.js';

/** The node's GNSS parts, built from the `gnss` config section; `routes` is what gnssRoutes() takes. */
export interface Gnss {
  /** Absent when `gnss.gpsd.enabled` is false. */
  gpsd?: GpsdClient;
  routes: {
    gpsd?: GpsdClient;
    staleAfterSeconds: number;
    uart: UartReader;
    serviceState?: ServiceStateQuery;
  };
  /** Starts the gpsd client (it then reconnects by itself until stop()). */
  start(): void;
  stop(): Promise<void>;
}

export function createGnss(config: GnssConfig, logger?: Logger): Gnss {
  const { enabled, ...gpsdOptions } = config.gpsd;
  const gpsd = enabled ? new GpsdClient({ ...gpsdOptions, logger }) : undefined;
  return {
    gpsd,
    routes: {
      gpsd,
      staleAfterSeconds: config.staleAfterSeconds,
      uart: new UartReader(config.uart),
      serviceState: config.systemctl ? systemctlIsActive() : undefined,
    },
    start: () => gpsd?.start(),
    stop: async () => {
      await gpsd?.stop();
    },
  };
}
