/**
 * The daily retention job: what grows by the day goes once it is older than its limit. The
 * charge-controller CSVs (`tracerData<date>.csv`, real and simulated) after `csvDays` local days;
 * the network data of a peer no longer in the device list after `peerFileDays`. The other growing
 * files bound themselves as they are written: JSON Lines and poe.log (trim-file.ts), the LAN
 * sensors' history and the detections (their own retention), the uplink's outbox (its size cap).
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const retentionConfigSchema = z
  .strictObject({
    /** Days of charge-controller CSVs kept: 10 years is about 260 MB at one sample every 2 minutes. */
    csvDays: z.number({ error: 'must be a number of days' }).int().min(1).max(36_500).default(3650),
    /** Days a departed peer's network data is kept. */
    peerFileDays: z.number({ error: 'must be a number of days' }).int().min(1).max(3650).default(30),
  })
  .prefault({});

export type RetentionConfig = z.output<typeof retentionConfigSchema>;

const TRACER_FILE = /^tracerData(\d{4})-(\d{2})-(\d{2})\.csv$/;

/** `YYYY-MM-DD` `days` before the local date `today`. */
export function daysBefore(today: string, days: number): string {
  const [y, m, d] = today.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

/** The names in `dir`; none when it cannot be read (not there yet: nothing to prune). */
const namesIn = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);

/** Deletes tracerData files dated before `today - keepDays`; their names. */
export async function pruneTracerFiles(dir: string, keepDays: number, today: string): Promise<string[]> {
  const oldest = daysBefore(today, keepDays - 1);
  const gone: string[] = [];
  for (const name of (await namesIn(dir)).sort()) {
    const m = TRACER_FILE.exec(name);
    if (!m || `${m[1]}-${m[2]}-${m[3]}` >= oldest) continue;
    await rm(join(dir, name), { force: true });
    gone.push(name);
  }
  return gone;
}

/** Deletes `<name>.json` files of peers not in `current` and untouched for `days`; their names. */
export async function prunePeerFiles(
  dir: string,
  current: ReadonlySet<string>,
  days: number,
  now = Date.now(),
): Promise<string[]> {
  const gone: string[] = [];
  for (const name of await namesIn(dir)) {
    if (!name.endsWith('.json') || name.startsWith('.') || current.has(name)) continue;
    const path = join(dir, name);
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: now }));
    if (now - mtimeMs < days * 86_400_000) continue;
    await rm(path, { force: true });
    gone.push(name);
  }
  return gone;
}

export interface RetentionRun {
  tracerDirs: string[];
  today: string;
  peerDir: string;
  /** File names of the peers in the device list now. */
  peerFiles: ReadonlySet<string>;
  config: RetentionConfig;
}

export async function runRetention(run: RetentionRun): Promise<{ csv: string[]; peers: string[] }> {
  const csv: string[] = [];
  for (const dir of run.tracerDirs) csv.push(...(await pruneTracerFiles(dir, run.config.csvDays, run.today)));
  const peers = await prunePeerFiles(run.peerDir, run.peerFiles, run.config.peerFileDays);
  return { csv, peers };
}
