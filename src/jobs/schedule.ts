import type { CronJob } from 'cron';
import type { Logger } from '../log.js';

export { cronEvery } from './cron-every.js';

interface Job {
  name: string;
  cronTime: string;
  cron?: CronJob;
  runAtStart: boolean;
  run: () => Promise<void>;
}

/**
 * The in-process schedule: each job a plain async function on a `cron` timetable. A run that is
 * still going when the next tick comes is not started twice; a failing run is logged, never thrown.
 */
export class Scheduler {
  readonly #log: Logger;
  readonly #jobs: Job[] = [];

  constructor(log: Logger) {
    this.#log = log;
  }

  add(
    name: string,
    cronTime: string,
    task: () => Promise<unknown>,
    options: { runAtStart?: boolean } = {},
  ): void {
    let running = false;
    const run = async () => {
      if (running) {
        this.#log.warn({ job: name }, 'previous run still going; tick skipped');
        return;
      }
      running = true;
      try {
        await task();
      } catch (error) {
        this.#log.error({ job: name, err: error }, 'job failed');
      } finally {
        running = false;
      }
    };
    this.#jobs.push({ name, cronTime, runAtStart: options.runAtStart ?? false, run });
  }

  get names(): string[] {
    return this.#jobs.map((j) => j.name);
  }

  /** Starts every job on its timetable (cron is loaded only when there is a job to run). */
  async start(): Promise<void> {
    if (this.#jobs.length === 0) return;
    const { CronJob } = await import('cron');
    for (const job of this.#jobs) {
      job.cron = CronJob.from({ cronTime: job.cronTime, onTick: job.run, start: true });
      if (job.runAtStart) void job.run();
    }
  }

  async stop(): Promise<void> {
    for (const job of this.#jobs) await job.cron?.stop();
  }
}
