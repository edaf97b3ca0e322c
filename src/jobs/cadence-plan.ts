/**
 * The daemon's side of the cadence: reads the newest readings, gives the scheduler its interval and
 * `/api/status` its `cadence` object (readings, interval and reason, last and next run per job).
 */

import {
  CADENCE_JOBS,
  type CadenceDecision,
  type CadenceReadings,
  cadenceMinutes,
  cadenceReadings,
} from './cadence.js';
import type { CadenceConfig } from './cadence-config.js';
import { readStampSync, stampPath } from './cadence-stamp.js';
import type { Scheduler } from './schedule.js';

export interface CadenceJobStatus {
  name: string;
  /** Minutes between runs now; null when cron's own timetable decides (cadence off, schedule off). */
  minutes: number | null;
  /** Why that interval. */
  reason: string;
  /** ISO times; null when not known (never ran, or nothing scheduled). */
  lastRun: string | null;
  nextRun: string | null;
}

/** `status().cadence`: what the energy-aware cadence reads and decides now. */
export interface CadenceStatus {
  /** schedule.cadence.enabled: the rule drives gossip, election and peer data. */
  enabled: boolean;
  /** Who runs the jobs: the daemon's own schedule, or cron/systemd one-shots (PIMESH_SCHEDULE=off). */
  mode: 'in-process' | 'one-shot';
  /** The newest row's battery percentage, 0-100; null when unknown. */
  batteryPercent: number | null;
  /** The newest row's scaled-wattage, W; null when unknown. */
  pvWatts: number | null;
  /** The newest row's `datetime` (local, as the tracer writes it); null when there is no row. */
  readingAt: string | null;
  /** The rule's interval now, minutes, and why. */
  minutes: number;
  reason: string;
  jobs: CadenceJobStatus[];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export class CadencePlan {
  readonly #rule: CadenceConfig;
  readonly #latest: (value: string) => string;
  readonly #dataDir: string;

  constructor(options: { rule: CadenceConfig; latest: (value: string) => string; dataDir: string }) {
    this.#rule = options.rule;
    this.#latest = options.latest;
    this.#dataDir = options.dataDir;
  }

  get enabled(): boolean {
    return this.#rule.enabled;
  }

  /** Whether the cadence drives `job` (when it is on). */
  drives(job: string): boolean {
    return this.#rule.enabled && (CADENCE_JOBS as readonly string[]).includes(job);
  }

  decide(): { readings: CadenceReadings & { at?: string }; decision: CadenceDecision } {
    let readings: CadenceReadings & { at?: string } = {};
    try {
      readings = cadenceReadings(this.#latest);
    } catch {
      // No readable row: the rule's unknown case.
    }
    return { readings, decision: cadenceMinutes(readings, this.#rule) };
  }

  /** The interval now, for Scheduler.addAdaptive. */
  intervalMs(): number {
    return this.decide().decision.minutes * 60_000;
  }

  status(scheduler: Scheduler | undefined): CadenceStatus {
    const { readings, decision } = this.decide();
    const jobs: CadenceJobStatus[] = [];
    for (const name of CADENCE_JOBS) {
      if (scheduler) {
        const plan = scheduler.plan(name);
        if (!plan) continue;
        const fixed = `cadence off: every ${plan.everySeconds} s`;
        jobs.push({
          name,
          minutes: plan.adaptive ? decision.minutes : (plan.everySeconds ?? 0) / 60,
          reason: plan.adaptive ? decision.reason : fixed,
          lastRun: iso(plan.lastRunAt),
          nextRun: iso(plan.nextRunAt),
        });
        continue;
      }
      const last = readStampSync(stampPath(this.#dataDir, name));
      if (last === undefined && name === 'peer-data') continue;
      jobs.push({
        name,
        minutes: this.#rule.enabled ? decision.minutes : null,
        reason: this.#rule.enabled ? decision.reason : 'cadence off: as cron runs it',
        lastRun: iso(last),
        nextRun: this.#rule.enabled && last !== undefined ? iso(last + decision.minutes * 60_000) : null,
      });
    }
    return {
      enabled: this.#rule.enabled,
      mode: scheduler ? 'in-process' : 'one-shot',
      batteryPercent: readings.batteryPercent ?? null,
      pvWatts: readings.pvWatts ?? null,
      readingAt: readings.at ?? null,
      minutes: decision.minutes,
      reason: decision.reason,
      jobs,
    };
  }
}
