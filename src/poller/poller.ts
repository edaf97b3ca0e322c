import type { CronJob } from 'cron';
import type { Logger } from '../log.js';
import { cronEvery } from '../util/cron-every.js';
import { withTimeout } from '../util/timeout.js';
import type { PolledStore } from './polled-store.js';

export interface PollSource {
  /** The readings-store source name, e.g. "gps". */
  name: string;
  everySeconds: number;
  /** One poll: the JSON answer to store. */
  poll: () => Promise<unknown>;
  /** Whether an answer is stored (the GPS poll stores only a fix); default: every answer. */
  accept?: (data: unknown) => boolean;
}

/**
 * The cron timetable for an interval. When cron can express it (it divides a minute, an hour or a
 * day) the ticks are the interval itself, aligned to the clock. Otherwise (7 days, 90 minutes, 45 s)
 * the job ticks at the coarsest unit dividing the interval (day at midnight, hour, minute, second) and
 * a tick polls only once the interval has passed since the last poll.
 */
export function schedulePlan(seconds: number): { cronTime: string; tickSeconds: number; exact: boolean } {
  const exact = cronEvery(seconds);
  if (exact) return { cronTime: exact, tickSeconds: seconds, exact: true };
  const tick = seconds % 86_400 === 0 ? 86_400 : seconds % 3600 === 0 ? 3600 : seconds % 60 === 0 ? 60 : 1;
  return { cronTime: cronEvery(tick) as string, tickSeconds: tick, exact: false };
}

/**
 * Whether a source is due at `now`: half a tick of slack, so a tick that fires a little early counts.
 * A last poll in the future (the clock was set back, as on a Pi without a real-time clock) is due too.
 */
export function isDue(
  now: number,
  lastPoll: number | undefined,
  everySeconds: number,
  tickSeconds: number,
): boolean {
  if (lastPoll === undefined || now < lastPoll) return true;
  return now - lastPoll >= (everySeconds - tickSeconds / 2) * 1000;
}

export type PollOutcome = 'stored' | 'rejected' | 'failed' | 'busy';

export interface SourceStats {
  source: string;
  everySeconds: number;
  cronTime: string;
  stored: number;
  rejected: number;
  failed: number;
  lastStoredAt: string | null;
  lastError: { at: string; message: string } | null;
}

interface SourceState {
  source: PollSource;
  plan: ReturnType<typeof schedulePlan>;
  lastPoll: number | undefined;
  running: boolean;
  stats: SourceStats;
  job?: CronJob;
}

export interface PollerOptions {
  sources: PollSource[];
  store: PolledStore;
  log: Logger;
  /** A poll not answered within this counts as failed (default 60 s). */
  pollTimeoutMs?: number;
  clock?: () => number;
  /** The cron jobs' time zone (day ticks fire at its midnight); default the process's. */
  timeZone?: string;
}

/**
 * pi_backend's data poller: one `cron` job per source; each poll's JSON answer is appended to the
 * readings store with its timestamp and source. A failed poll is not stored but counted and logged.
 * A source whose last stored record is older than its interval polls at start, so restarts neither
 * skip nor repeat long intervals (climate_days).
 */
export class Poller {
  readonly #states: SourceState[];
  readonly #store: PolledStore;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  readonly #timeZone: string | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: PollerOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#timeoutMs = options.pollTimeoutMs ?? 60_000;
    this.#clock = options.clock ?? Date.now;
    this.#timeZone = options.timeZone;
    this.#states = options.sources.map((source) => {
      if (!Number.isInteger(source.everySeconds) || source.everySeconds <= 0) {
        throw new RangeError(`poll source ${source.name}: everySeconds must be a positive whole number`);
      }
      const plan = schedulePlan(source.everySeconds);
      return {
        source,
        plan,
        lastPoll: undefined,
        running: false,
        stats: {
          source: source.name,
          everySeconds: source.everySeconds,
          cronTime: plan.cronTime,
          stored: 0,
          rejected: 0,
          failed: 0,
          lastStoredAt: null,
          lastError: null,
        },
      };
    });
  }

  get sources(): string[] {
    return this.#states.map((s) => s.source.name);
  }

  stats(): SourceStats[] {
    return this.#states.map((s) => ({ ...s.stats }));
  }

  async start(): Promise<void> {
    if (this.#states.length === 0) return;
    const { CronJob } = await import('cron');
    for (const state of this.#states) {
      state.lastPoll = await this.#store.lastStoredAt(state.source.name).catch(() => undefined);
      state.job = CronJob.from({
        cronTime: state.plan.cronTime,
        onTick: () => this.#tick(state),
        start: true,
        waitForCompletion: true,
        ...(this.#timeZone ? { timeZone: this.#timeZone } : {}),
      });
      this.#log.info(
        { source: state.source.name, everySeconds: state.source.everySeconds, cron: state.plan.cronTime },
        'polling',
      );
      void this.#tick(state);
    }
  }

  /** Stops every job and waits for polls in progress. */
  async stop(): Promise<void> {
    await Promise.all(this.#states.map((s) => s.job?.stop()));
    for (const state of this.#states) state.job = undefined;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Polls one source now, whether due or not. */
  pollNow(name: string): Promise<PollOutcome> {
    const state = this.#states.find((s) => s.source.name === name);
    if (!state) throw new RangeError(`no poll source ${name}`);
    return this.#run(state);
  }

  async #tick(state: SourceState): Promise<void> {
    if (!isDue(this.#clock(), state.lastPoll, state.source.everySeconds, state.plan.tickSeconds)) return;
    await this.#run(state);
  }

  #run(state: SourceState): Promise<PollOutcome> {
    if (state.running) return Promise.resolve('busy');
    state.running = true;
    state.lastPoll = this.#clock();
    const run = this.#poll(state).finally(() => {
      state.running = false;
      this.#inFlight.delete(run);
    });
    this.#inFlight.add(run);
    return run;
  }

  async #poll(state: SourceState): Promise<PollOutcome> {
    const { source, stats } = state;
    try {
      const data = await withTimeout(
        source.poll(),
        this.#timeoutMs,
        () => new Error(`no answer within ${this.#timeoutMs} ms`),
      );
      if (data === undefined) throw new Error('the poll gave no answer');
      if (source.accept && !source.accept(data)) {
        stats.rejected++;
        this.#log.debug({ source: source.name }, 'poll answer not stored (not accepted)');
        return 'rejected';
      }
      const timestamp = new Date(this.#clock()).toISOString();
      await this.#store.append({ timestamp, source: source.name, data });
      stats.stored++;
      stats.lastStoredAt = timestamp;
      return 'stored';
    } catch (error) {
      stats.failed++;
      const message = (error as Error).message ?? String(error);
      stats.lastError = { at: new Date(this.#clock()).toISOString(), message };
      this.#log.warn(
        { source: source.name, err: error, failed: stats.failed },
        'poll failed; nothing stored',
      );
      return 'failed';
    }
  }
}
