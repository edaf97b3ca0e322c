import type { CronJob } from 'cron';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';

/** setTimeout and clearTimeout, injectable so a test drives adaptive jobs with a fake clock. */
export interface Timers {
  set(fn: () => unknown, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Where a job stands, for the status: its last run and the next one due. */
export interface JobPlan {
  /** When the last run started (or was skipped as an overlap), ms since the epoch. */
  lastRunAt?: number;
  /** When the next run is due, ms since the epoch (adaptive: from the interval as it reads now). */
  nextRunAt?: number;
  /** The interval now, in seconds. */
  everySeconds?: number;
  running: boolean;
  /** Run by addAdaptive (the cadence) rather than a cron timetable. */
  adaptive: boolean;
}

interface Job {
  name: string;
  /** Empty for an adaptive job. */
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
  /** Adaptive jobs: the interval in ms as the readings give it now. */
  intervalMs?: () => number;
  /** Adaptive: the interval at the last check and at the last run (problems() takes the longer). */
  checkedMs?: number;
  ranWithMs?: number;
  timer?: unknown;
}

/**
 * The in-process schedule: each job a plain async function on a `cron` timetable. A run that is
 * still going when the next tick comes is not started twice; a failing run is logged, never thrown.
 */
export class Scheduler {
  readonly #jobs: Job[] = [];
  readonly #throttle: LogThrottle;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #recheckMs: number;
  #startedAt: number | undefined;

  /**
   * `recheckMs`: how often an adaptive job re-reads its interval while it waits (the original
   * runner looked once a minute), so a shorter interval takes effect within that, not after the
   * longer one has run out.
   */
  constructor(log: Logger, options: { now?: () => number; timers?: Timers; recheckMs?: number } = {}) {
    this.#throttle = new LogThrottle(log);
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#recheckMs = options.recheckMs ?? 60_000;
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
        if (job.intervalMs) job.ranWithMs = job.checkedMs;
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
   * A job whose interval changes (the energy-aware cadence): due when `intervalMs()`, read at each
   * check, has passed since its last run. While it waits it checks again every `recheckMs`, so the
   * interval may shrink (runs sooner) or grow (waits longer), always measured from the last run.
   */
  addAdaptive(
    name: string,
    task: () => Promise<unknown>,
    options: { intervalMs: () => number; runAtStart?: boolean },
  ): void {
    this.add(name, '', task, { runAtStart: options.runAtStart });
    const job = this.#jobs[this.#jobs.length - 1];
    job.intervalMs = options.intervalMs;
    this.#interval(job);
  }

  /** Reads an adaptive job's interval; a reading that throws keeps the last one (and is logged). */
  #interval(job: Job): number {
    try {
      job.checkedMs = job.intervalMs?.() ?? job.checkedMs;
    } catch (error) {
      this.#failed(`${job.name}:interval`, error);
    }
    return job.checkedMs ?? this.#recheckMs;
  }

  #arm(job: Job): void {
    if (this.#startedAt === undefined || !job.intervalMs) return;
    const dueAt = (job.lastTick ?? this.#startedAt) + this.#interval(job);
    const wait = Math.min(Math.max(0, dueAt - this.#now()), this.#recheckMs);
    job.timer = this.#timers.set(() => this.#check(job), wait);
  }

  async #check(job: Job): Promise<void> {
    job.timer = undefined;
    if (this.#startedAt === undefined || !job.intervalMs) return;
    if (this.#now() - (job.lastTick ?? this.#startedAt) >= this.#interval(job)) await job.run();
    this.#arm(job);
  }

  /** The last and next run of a job, and its interval now (undefined for an unknown name). */
  plan(name: string): JobPlan | undefined {
    const job = this.#jobs.find((j) => j.name === name);
    if (!job) return undefined;
    const plan: JobPlan = {
      lastRunAt: job.lastTick,
      running: job.runningSince !== undefined,
      adaptive: job.intervalMs !== undefined,
    };
    if (job.intervalMs) {
      const ms = this.#interval(job);
      plan.everySeconds = ms / 1000;
      const since = job.lastTick ?? this.#startedAt;
      if (since !== undefined) plan.nextRunAt = since + ms;
    } else {
      plan.everySeconds = job.everySeconds;
      const next = job.cron?.nextDate();
      if (next) plan.nextRunAt = next.toMillis();
    }
    return plan;
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
      const everySeconds = job.intervalMs
        ? Math.max(job.checkedMs ?? 0, job.ranWithMs ?? 0) / 1000
        : job.everySeconds;
      if (everySeconds === undefined) continue;
      const periodMs = everySeconds * 1000;
      const silentFor = now - (job.lastTick ?? this.#startedAt);
      if (job.runningSince !== undefined && now - job.runningSince > 3 * periodMs) {
        const s = Math.round((now - job.runningSince) / 1000);
        out.push(`job ${job.name} has been running for ${s} s (due every ${everySeconds} s)`);
      } else if (silentFor > 2 * periodMs + 60_000) {
        const s = Math.round(silentFor / 1000);
        out.push(`job ${job.name} has not run for ${s} s (due every ${everySeconds} s)`);
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

  /**
   * Starts every job on its timetable (cron is loaded only when a job has a cron timetable). An
   * adaptive job that runs at start is first due one interval after that run.
   */
  async start(): Promise<void> {
    if (this.#jobs.length === 0) return;
    this.#startedAt = this.#now();
    const CronJob = this.#jobs.some((j) => !j.intervalMs) ? (await import('cron')).CronJob : undefined;
    for (const job of this.#jobs) {
      if (!job.intervalMs && CronJob)
        job.cron = CronJob.from({ cronTime: job.cronTime, onTick: job.run, start: true });
      if (!job.runAtStart) this.#arm(job);
      else if (!job.intervalMs) void job.run();
      else void job.run().then(() => this.#arm(job));
    }
  }

  async stop(): Promise<void> {
    this.#startedAt = undefined;
    for (const job of this.#jobs) {
      if (job.timer !== undefined) this.#timers.clear(job.timer);
      job.timer = undefined;
      await job.cron?.stop();
    }
    this.#throttle.flush();
  }
}
