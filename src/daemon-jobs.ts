/**
 * The daemon's jobs: which run in-process and on what timetable (schedule.enabled, schedule.jobs,
 * the energy-aware cadence for gossip, election and peer data), and the retention job's work.
 */
import { join } from 'node:path';
import type { Config } from './config/schema.js';
import type { CadencePlan } from './jobs/cadence-plan.js';
import { JOB_NAMES, type JobName, runsInProcess } from './jobs/jobs-config.js';
import { runRetention } from './jobs/retention.js';
import type { Scheduler } from './jobs/schedule.js';
import type { Logger } from './log.js';
import type { DeviceEntry } from './mesh/device-entry.js';
import { peerFileName } from './mesh/peer-data-file.js';
import { REAL_DIR, SIMULATED_DIR } from './readings/tracer-dir.js';
import { cronEvery } from './util/cron-every.js';

/** What each job runs; absent: the node cannot run it (no controller, no plain network key). */
export type JobTasks = Partial<Record<JobName, () => Promise<unknown>>>;

/** Adds every job the daemon runs itself to `scheduler`. */
export function scheduleJobs(
  scheduler: Scheduler,
  config: Readonly<Config>,
  cadence: CadencePlan,
  tasks: JobTasks,
  log: Logger,
): void {
  const on = (job: JobName) => runsInProcess(config.schedule, job) && tasks[job] !== undefined;
  // post-ip, elect and peer-data follow the cadence when it is on; `seconds` is then unused.
  const add = (job: JobName, seconds: number, runAtStart = false) => {
    const task = tasks[job];
    if (!task || !on(job)) return;
    if (cadence.drives(job))
      scheduler.addAdaptive(job, task, { runAtStart, intervalMs: () => cadence.intervalMs() });
    else scheduler.add(job, cronEvery(seconds) as string, task, { runAtStart, everySeconds: seconds });
  };
  add('log-sample', config.chargeController.sampleIntervalSeconds, true);
  add('post-ip', config.network.gossipIntervalSeconds, true);
  // At second 30, away from the other jobs' second 0.
  if (on('check-ip'))
    scheduler.add('check-ip', '30 * * * * *', tasks['check-ip'] as () => Promise<unknown>, {
      everySeconds: 60,
    });
  add('elect', config.election.intervalSeconds);
  add('peer-data', config.network.peerDataIntervalSeconds);
  // Daily, at night (local time), away from the other jobs' minute.
  if (on('retention'))
    scheduler.add('retention', '0 17 3 * * *', tasks.retention as () => Promise<unknown>, {
      everySeconds: 86_400,
    });
  const off = JOB_NAMES.filter((job) => !runsInProcess(config.schedule, job));
  if (off.length > 0) log.info({ jobs: off }, 'schedule.jobs: these run from cron or timers, not here');
}

/** The retention job on this node's directories; `today` is the node-local date (YYYY-MM-DD). */
export async function nodeRetention(
  config: Readonly<Config>,
  peers: readonly DeviceEntry[],
  today: string,
  log: Logger,
): Promise<{ csv: string[]; peers: string[] }> {
  const peerFiles = new Set(
    peers
      .map((e) => peerFileName(e.name))
      .filter((n): n is string => n !== undefined)
      .map((n) => `${n}.json`),
  );
  const result = await runRetention({
    tracerDirs: [join(config.dataDir, REAL_DIR), join(config.dataDir, SIMULATED_DIR)],
    today,
    peerDir: join(config.dataDir, 'peers'),
    peerFiles,
    config: config.retention,
  });
  if (result.csv.length + result.peers.length > 0) log.info(result, 'retention: old files deleted');
  return result;
}
