import type { CronJob } from 'cron';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';

interface Job {
  name: string;
  cronTime: string;
  /** Seconds between ticks, when known: a job that misses two of them is reported. */
  everySeconds?: number;
  /** When the timetable last called the job (started or skipped), ms since the epoch. */
  lastTick?: number;
  /** When the run going on now started. */
  runningSince?: number;
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
  readonly #now: () => number;
  #startedAt: number | undefined;

  constructor(log: Logger, options: { now?: () => number } = {}) {
    this.#throttle = new LogThrottle(log);
    this.#now = options.now ?? Date.now;
  }

  add(
    name: string,
    cronTime: string,
    task: () => Promise<unknown>,
    options: { runAtStart?: boolean; everySeconds?: number } = {},
  ): void {
    const job: Job = {
      name,
      cronTime,
      everySeconds: options.everySeconds,
      runAtStart: options.runAtStart ?? false,
      run: async () => {
        job.lastTick = this.#now();
        if (job.runningSince !== undefined) {
          this.#throttle.warn(`${name}:overlap`, { job: name }, 'previous run still going; tick skipped');
          return;
        }
        job.runningSince = this.#now();
        try {
          await task();
        } catch (error) {
          this.#failed(name, error);
        } finally {
          job.runningSince = undefined;
        }
      },
    };
    this.#jobs.push(job);
  }

  /**
   * Why the schedule is not doing its job, if it is not: a job whose timetable has not called it for
   * two periods (the timers stopped), or whose run has gone on for three. Empty when all is well.
   */
  problems(): string[] {
    const now = this.#now();
    if (this.#startedAt === undefined) return [];
    const out: string[] = [];
    for (const job of this.#jobs) {
      if (job.everySeconds === undefined) continue;
      const periodMs = job.everySeconds * 1000;
      const silentFor = now - (job.lastTick ?? this.#startedAt);
      if (job.runningSince !== undefined && now - job.runningSince > 3 * periodMs) {
        const s = Math.round((now - job.runningSince) / 1000);
        out.push(`job ${job.name} has been running for ${s} s (due every ${job.everySeconds} s)`);
      } else if (silentFor > 2 * periodMs + 60_000) {
        const s = Math.round(silentFor / 1000);
        out.push(`job ${job.name} has not run for ${s} s (due every ${job.everySeconds} s)`);
      }
    }
    return out;
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
    this.#startedAt = this.#now();
    const { CronJob } = await import('cron');
    for (const job of this.#jobs) {
      job.cron = CronJob.from({ cronTime: job.cronTime, onTick: job.run, start: true });
      if (job.runAtStart) void job.run();
    }
  }

  async stop(): Promise<void> {
    this.#startedAt = undefined;
    for (const job of this.#jobs) await job.cron?.stop();
    this.#throttle.flush();
  }
}
