/**
 * The cadence gate of `pimesh post-ip`, `elect` and `peer-data` when cron starts them: reads the
 * newest charge-controller row from the data dir (no daemon needed) and the job's last-run stamp.
 */
import type { LoadedConfig } from '../config/load.js';
import { SolarAnswers } from '../readings/solar-answers.js';
import { tracerDir } from '../readings/tracer-dir.js';
import { TracerStore } from '../readings/tracer-store.js';
import { nodeTimezone } from '../version.js';
import { CADENCE_JOBS, cadenceReadings } from './cadence.js';
import { cadenceGate } from './cadence-stamp.js';

/**
 * Undefined when `job` should run now (stamped as run), else the one line saying why it is skipped.
 * Jobs the cadence does not drive, or with the cadence off, always run.
 */
export async function cadenceSkip(
  loaded: LoadedConfig,
  job: string,
  options: { force?: boolean; now?: number } = {},
): Promise<string | undefined> {
  const { config, profile } = loaded;
  const rule = config.schedule.cadence;
  if (!rule.enabled || !(CADENCE_JOBS as readonly string[]).includes(job)) return undefined;
  const answers = new SolarAnswers({
    store: new TracerStore(tracerDir(config)),
    profile: profile.raw,
    timezone: nodeTimezone(),
    peers: () => undefined,
    now: () => new Date(),
  });
  let readings = {};
  try {
    readings = cadenceReadings((value) => answers.latest(value));
  } catch {
    // No readable row: the rule's unknown case.
  }
  const gate = await cadenceGate({ job, dataDir: config.dataDir, rule, readings, ...options });
  return gate.due ? undefined : gate.line;
}
