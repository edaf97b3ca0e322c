import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACER_HEADER_LINE } from '../../src/readings/tracer-csv.js';
import { SIMULATED_DIR } from '../../src/readings/tracer-dir.js';

/**
 * Writes one charge-controller row into `<cwd>/data/charge-controller/`, as the logger would: battery
 * as a fraction (0.62) and `PV power L` in W (scaled-wattage with no pvWatts in the profile).
 */
export function writeReading(cwd: string, battery: string, pvPowerL: string, day = '2026-11-28'): void {
  const dir = join(cwd, 'data', SIMULATED_DIR);
  mkdirSync(dir, { recursive: true });
  const row = `${day} 12:00:00.000000,13.23,0.09,${pvPowerL},0.0,12.0,0.11,1.32,0.0,12.0,0.22,2.64,${battery}`;
  writeFileSync(join(dir, `tracerData${day}.csv`), `${TRACER_HEADER_LINE}\n${row}\n`);
}
