/**
 * Imported first by the CLI, before any other module is evaluated: tells V8 to favour memory over peak
 * speed, which is what a Pi Zero with 512 MB wants.
 * - `--optimize-for-size`: smaller heap growth steps. Idle RSS of `pimesh serve` about 84 MB without
 *   it, 76-80 MB with it, the public PV API's throughput unchanged within noise.
 * - `--max-semi-space-size=2` (MB): under load V8 grows the young generation's semi-spaces to 16 MB
 *   each and keeps them after the load is gone; capped, the node's RSS is back at its idle figure
 *   within seconds of a load run instead of staying 16-32 MB above (`npm run bench`, memory section).
 * `PIMESH_LOW_MEMORY=off` leaves V8's defaults.
 */
import { setFlagsFromString } from 'node:v8';

if (!/^(off|false|0|no)$/i.test(process.env.PIMESH_LOW_MEMORY ?? '')) {
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--max-semi-space-size=2');
}
