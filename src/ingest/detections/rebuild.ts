/**
 * Reclassifying every stored detection after a thresholds change, and rebuilding the rollup, without
 * stopping ingest: the new thresholds are stored first (batches from then on are classified with
 * them), then the rows stored before are reclassified and added to shadow rollup tables a chunk
 * per transaction, the event loop running in between; a last transaction takes the rows stored
 * meanwhile and swaps the shadow tables in. Until the swap, statistics come from the old rollup.
 * A crash in between leaves the marker `rebuilding`, and the next open does it all again.
 */

/** The shadow tables' suffix. */
export const NEXT = '_next';

/** What a store provides; each call is one transaction of its own. */
export interface RebuildSteps {
  /** Stores the thresholds and the `rebuilding` marker, creates empty shadow tables; the highest id now. */
  begin(): Promise<number>;
  /** Reclassifies rows with id in (after, upTo], at most `limit`, into the shadow tables. */
  step(after: number, upTo: number, limit: number): Promise<{ last: number; count: number }>;
  /** Takes every row after `after` (ingest paused for it), swaps the shadow tables in, sets the marker. */
  finish(after: number): Promise<number>;
}

export interface RebuildOptions {
  /** Rows per transaction. */
  chunk: number;
  /** Between two chunks (the stores let the event loop run: `setImmediate`). */
  pause?: () => Promise<void>;
}

/** Runs the steps; how many rows were reclassified. */
export async function rebuildRollup(steps: RebuildSteps, options: RebuildOptions): Promise<number> {
  const upTo = await steps.begin();
  let after = 0;
  let total = 0;
  for (;;) {
    const { last, count } = await steps.step(after, upTo, options.chunk);
    if (count === 0) break;
    after = last;
    total += count;
    await options.pause?.();
  }
  return total + (await steps.finish(after));
}

/** The zone of `rssi` in SQL, for two parameters (near, medium). */
export const ZONE_CASE = "CASE WHEN rssi >= ? THEN 'NEAR' WHEN rssi >= ? THEN 'MEDIUM' ELSE 'FAR' END";

/** A promise chain: one task at a time, in order (rebuilds; PostgreSQL's writes). */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
