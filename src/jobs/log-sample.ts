import type { ChargeController } from '../hardware/charge-controller/types.js';
import type { Logger } from '../log.js';
import type { TracerStore } from '../readings/tracer-store.js';

export interface LogSampleDeps {
  controller: ChargeController;
  store: TracerStore;
  log: Logger;
  /** Wall clock with sub-millisecond precision (ms since the epoch); injectable for tests. */
  clock?: () => number;
}

export interface Sample {
  at: Date;
  file: string;
  row: string;
  simulated: boolean;
}

const preciseNow = () => performance.timeOrigin + performance.now();

/** Takes one sample from the charge controller and appends it to today's tracerData file. */
export async function logSample(deps: LogSampleDeps): Promise<Sample> {
  const reading = await deps.controller.read();
  const t = (deps.clock ?? preciseNow)();
  const at = new Date(Math.floor(t));
  const micros = Math.min(999, Math.round((t - Math.floor(t)) * 1000));
  const { file, line } = await deps.store.append(at, reading, micros);
  const simulated = deps.controller.simulated;
  deps.log.info(
    { file, row: line, simulated, source: deps.controller.description },
    simulated ? 'SIMULATED sample logged' : 'sample logged',
  );
  return { at, file, row: line, simulated };
}
