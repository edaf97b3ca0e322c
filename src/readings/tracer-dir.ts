/**
 * Where the charge-controller CSVs live: `<dataDir>/charge-controller` for a real controller,
 * `<dataDir>/charge-controller-simulated` for the simulator. Simulated rows never land beside real
 * ones, so a node that ran simulated before its controller was connected never serves invented
 * readings as measured ones: the API reads the directory of the source it has now.
 */
import { join } from 'node:path';

export const REAL_DIR = 'charge-controller';
export const SIMULATED_DIR = 'charge-controller-simulated';

export function tracerDir(config: { dataDir: string; chargeController: { source: string } }): string {
  return join(config.dataDir, config.chargeController.source === 'sim' ? SIMULATED_DIR : REAL_DIR);
}
