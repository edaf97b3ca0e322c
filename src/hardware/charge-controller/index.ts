import { ConfigError } from '../../errors.js';
import { SimulatedChargeController } from './simulator.js';
import { TracerDriver, type TracerDriverOptions } from './tracer-driver.js';
import type { ChargeController } from './types.js';

export * from './modbus-rtu.js';
export * from './registers.js';
export * from './simulator.js';
export * from './tracer-driver.js';
export * from './types.js';

export interface ChargeControllerOptions extends Omit<TracerDriverOptions, 'path'> {
  /** Needed by the simulator ('sim'). */
  latitude?: number;
  longitude?: number;
  pvWatts?: number;
  pvVolts?: number;
}

/**
 * `sim` -> the simulated solar day at latitude/longitude; `none` -> undefined (no charge controller);
 * anything else is a serial device path for the EPEver Tracer driver (opened lazily on the first read).
 */
export function createChargeController(
  source: 'sim' | 'none' | (string & {}),
  options: ChargeControllerOptions = {},
): ChargeController | undefined {
  const { latitude, longitude, pvWatts, pvVolts, ...serial } = options;
  if (source === 'none') return undefined;
  if (source === 'sim') {
    if (typeof latitude !== 'number' || typeof longitude !== 'number') {
      throw new ConfigError(['chargeController: the simulator needs a latitude and a longitude']);
    }
    return new SimulatedChargeController({ latitude, longitude, pvWatts, pvVolts });
  }
  return new TracerDriver({ ...serial, path: source });
}
