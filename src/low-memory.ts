/**
 * Imported first by the CLI, before any other module is evaluated: tells V8 to favour memory over peak
 * speed (smaller heap growth steps), which is what a Pi Zero with 512 MB wants. Measured on the bench
 * machine: idle RSS of `pimesh serve` about 84 MB without it, 76-80 MB with it, and the public PV API's
 * throughput unchanged within noise. `PIMESH_LOW_MEMORY=off` leaves V8's defaults.
 */
import { setFlagsFromString } from 'node:v8';

if (!/^(off|false|0|no)$/i.test(process.env.PIMESH_LOW_MEMORY ?? '')) {
  setFlagsFromString('--optimize-for-size');
}
