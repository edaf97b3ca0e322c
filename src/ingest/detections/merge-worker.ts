/**
 * The main thread's side of the inbox's merge worker (sqlite-merge-worker.ts): started with the
 * store when MQTT is configured, else by the first batch queued; one merge at a time asked for and
 * awaited. A worker that dies fails the merges it had (they
 * stay in the inbox and are tried again) and is started afresh by the next one.
 */
import { once } from 'node:events';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DetectionsUnavailableError } from './errors.js';
import type { Thresholds } from './rules.js';
import type { MergeReply, MergeRequest } from './sqlite-merge-worker.js';

/** What the worker sends once its connection is open. */
export const READY = 'ready';

/** The worker's module next to this one: .ts from the sources (tests, tsx), .js once built. */
const ENTRY = new URL(`./sqlite-merge-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

interface Waiting {
  resolve: (torn: number) => void;
  reject: (error: Error) => void;
}

export class MergeWorker {
  readonly #path: string;
  readonly #zone: string;
  #worker: Worker | undefined;
  /** Settles once the worker's connection is open (rejects if it fails first). */
  #ready: Promise<void> | undefined;
  #next = 1;
  readonly #waiting = new Map<number, Waiting>();

  constructor(path: string, zone: string) {
    this.#path = path;
    this.#zone = zone;
  }

  /** Stores what a journal file holds, on the worker's connection; how many lines it could not read. */
  merge(file: string, thresholds: Thresholds, maxBatches: number): Promise<number> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise<number>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, file, thresholds, maxBatches } satisfies MergeRequest);
    });
  }

  /** Starts the thread now; settles once it is ready to merge (a first merge need not wait for it to load). */
  start(): Promise<void> {
    this.#start();
    return this.#ready as Promise<void>;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    // From the sources (tests, `npm run dev`) the thread needs tsx's loader first: Node's --import does not carry it over.
    const entry = ENTRY.pathname.endsWith('.ts')
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`
      : ENTRY;
    const worker = new Worker(entry, {
      eval: typeof entry === 'string',
      workerData: { path: this.#path, zone: this.#zone },
      resourceLimits: { maxOldGenerationSizeMb: 96 },
    });
    worker.unref();
    let ready: (() => void) | undefined;
    let failed: ((error: Error) => void) | undefined;
    this.#ready = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    // Whoever asked for the worker may not wait for it: a failure to start is reported by the merges.
    this.#ready.catch(() => {});
    worker.on('message', (reply: MergeReply | typeof READY) => {
      if (reply === READY) {
        ready?.();
        return;
      }
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (reply.error === undefined) waiting?.resolve(reply.torn);
      else waiting?.reject(new DetectionsUnavailableError(`detections merge failed: ${reply.error}`));
    });
    const gone = (error: Error) => {
      failed?.(error);
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      for (const w of this.#waiting.values()) w.reject(error);
      this.#waiting.clear();
    };
    worker.on('error', gone);
    worker.on('exit', (code) =>
      gone(new DetectionsUnavailableError(`the detections merge worker exited (${code})`)),
    );
    this.#worker = worker;
    return worker;
  }

  /** Lets the worker close its connection and end (after the merges asked for); ends it after 10 s regardless. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.postMessage('close');
    const late = setTimeout(() => void worker.terminate(), 10_000);
    await exited;
    clearTimeout(late);
  }
}
