import type { LoadTool } from './load.js';
import type { BenchResult } from './report.js';
import type { ProcessRegistry } from './servers.js';

/** What the runner gives every benchmark. */
export interface BenchContext {
  /** The repository root (absolute); dist/ is built. */
  root: string;
  /** Every child process goes through it, so the runner can stop them all even on error. */
  processes: ProcessRegistry;
  load: LoadTool;
  /** A fresh directory, removed by the runner at the end. */
  tempDir(prefix: string): string;
  /** A progress line on stderr (the report itself goes to stdout). */
  progress(message: string): void;
}

/** One benchmark: runs its measurements and returns what the runner prints. */
export type Benchmark = (ctx: BenchContext) => Promise<BenchResult>;
