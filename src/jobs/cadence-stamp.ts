/**
 * The one-shots' side of the cadence: cron fires `pimesh post-ip` (and `elect`, `peer-data`) every
 * 5 minutes, and each run goes ahead only when the cadence says it is due since the last run,
 * recorded in `<dataDir>/cadence/<job>.last` (written atomically).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { type CadenceDecision, type CadenceReadings, cadenceMinutes } from './cadence.js';
import type { CadenceConfig } from './cadence-config.js';

/**
 * A run is due this much before the interval is up: cron starts each line within a second or so of
 * the minute, so a run every 10 minutes must not be skipped because the last one started late.
 */
export const DUE_TOLERANCE_MS = 60_000;

export const stampPath = (dataDir: string, job: string) => join(dataDir, 'cadence', `${job}.last`);

function parseStamp(text: string): number | undefined {
  try {
    const at = Date.parse((JSON.parse(text) as { lastRun?: string }).lastRun ?? '');
    return Number.isNaN(at) ? undefined : at;
  } catch {
    return undefined;
  }
}

/** When the job last ran, from its stamp; undefined when there is none (or it is unreadable). */
export async function readStamp(path: string): Promise<number | undefined> {
  return readFile(path, 'utf8').then(parseStamp, () => undefined);
}

/** readStamp for the status answer: one small file, read in place. */
export function readStampSync(path: string): number | undefined {
  try {
    return parseStamp(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function writeStamp(path: string, at: number): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify({ lastRun: new Date(at).toISOString() })}\n`, {
    mode: DATA_MODE,
  });
}

export type GateResult =
  | { due: true; decision: CadenceDecision; forced: boolean }
  | { due: false; decision: CadenceDecision; line: string };

/**
 * Is `job` due now? Not when its last run is younger than the interval (less the tolerance) unless
 * forced. A run that goes ahead is stamped first, as the runner set its time of run before running,
 * so a failing run is not retried at every cron tick.
 */
export async function cadenceGate(options: {
  job: string;
  dataDir: string;
  rule: CadenceConfig;
  readings: CadenceReadings;
  force?: boolean;
  now?: number;
}): Promise<GateResult> {
  const { job, rule, readings } = options;
  const now = options.now ?? Date.now();
  const path = stampPath(options.dataDir, job);
  const decision = cadenceMinutes(readings, rule);
  const last = await readStamp(path);
  const dueAt = last === undefined ? now : last + decision.minutes * 60_000 - DUE_TOLERANCE_MS;
  if (!options.force && now < dueAt) {
    const ago = Math.round((now - (last ?? now)) / 60_000);
    const line =
      `${job} skipped: not due until ${new Date(dueAt + DUE_TOLERANCE_MS).toISOString()} ` +
      `(last run ${ago} min ago; every ${decision.minutes} min: ${decision.reason}); --force runs it now`;
    return { due: false, decision, line };
  }
  await writeStamp(path, now);
  return { due: true, decision, forced: options.force === true && now < dueAt };
}
