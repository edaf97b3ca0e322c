/**
 * Imported first by the CLI, before any other module is evaluated: tells V8 to favour memory over peak
 * speed, which is what a Pi Zero with 512 MB wants. `--optimize-for-size`: smaller heap growth steps
 * (idle RSS of `pimesh serve` about 84 MB without it, 76-80 MB with it, the public PV API's throughput
 * unchanged within noise). `PIMESH_LOW_MEMORY=off` leaves V8's defaults.
 *
 * The other half, `--max-semi-space-size=2`, only works on the command line (V8 sizes the young
 * generation before any code runs; set here, it is ignored): under load V8 grows the semi-spaces to
 * 16 MB each and keeps them, so RSS stays 16-32 MB above idle after a burst. It is in every launch
 * line: `pimesh`'s shebang, `npm start`, deploy/pimesh.service and the benchmarks.
 */
import { setFlagsFromString } from 'node:v8';

if (!/^(off|false|0|no)$/i.test(process.env.PIMESH_LOW_MEMORY ?? '')) {
  setFlagsFromString('--optimize-for-size');
}
