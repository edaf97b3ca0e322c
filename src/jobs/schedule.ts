import type { CronJob } from 'cron';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';

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
  readonly #jobs: Job[] = [];
  readonly #throttle: LogThrottle;

  constructor(log: Logger) {
    this.#throttle = new LogThrottle(log);
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
        this.#throttle.warn(`${name}:overlap`, { job: name }, 'previous run still going; tick skipped');
        return;
      }
      running = true;
      try {
        await task();
      } catch (error) {
        this.#failed(name, error);
      } finally {
        running = false;
      }
    };
    this.#jobs.push({ name, cronTime, runAtStart: options.runAtStart ?? false, run });
  }

  /**
   * A known state (a missing device, an unreachable peer: an error with a status other than 500) is
   * a warning without a stack; anything else an error with it. Either way one line per job and kind
   * a minute, then a summary, so a device missing at every sample cannot fill the journal.
   */
  #failed(job: string, error: unknown): void {
    const e = error as { status?: number; code?: string; message?: string } | undefined;
    const known = typeof e?.status === 'number' && e.status !== 500;
    const key = `${job}:${e?.code ?? 'unknown'}`;
    if (known) this.#throttle.warn(key, { job, code: e.code, reason: e.message }, 'job failed');
    else this.#throttle.error(key, { job, err: error }, 'job failed');
  }

  /** Runs a job now, as its timer would (a run already going is not started twice). */
  async trigger(name: string): Promise<void> {
    await this.#jobs.find((j) => j.name === name)?.run();
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
    this.#throttle.flush();
  }
}
