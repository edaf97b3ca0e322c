/**
 * Frames received and not yet committed, in preallocated columns: a full queue costs a fixed ~20 bytes
 * a frame and makes no garbage, so memory stays bounded when the disk refuses writes for a while.
 */
export class FrameQueue {
  readonly capacity: number;
  /** Receipt times, epoch milliseconds. */
  readonly times: Float64Array;
  readonly types: Uint8Array;
  readonly values: Uint8Array;
  /** Row keys; the strings are shared (each connection keeps one per id). */
  readonly ipIds: string[];
  length = 0;
  /** Frames refused because the queue was full. */
  dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.types = new Uint8Array(capacity);
    this.values = new Uint8Array(capacity);
    this.ipIds = new Array<string>(capacity).fill('');
  }

  /** False (and counted) when full. */
  push(time: number, ipId: string, type: number, value: number): boolean {
    const i = this.length;
    if (i === this.capacity) {
      this.dropped++;
      return false;
    }
    this.times[i] = time;
    this.ipIds[i] = ipId;
    this.types[i] = type;
    this.values[i] = value;
    this.length = i + 1;
    return true;
  }

  clear(): void {
    this.length = 0;
  }
}

/** Percentiles of "receipt to durable" in whole milliseconds up to `maxMs`; beyond that only the count. */
export class LatencyHistogram {
  readonly #buckets: Uint32Array;
  #count = 0;
  #max = 0;

  constructor(maxMs = 10_000) {
    this.#buckets = new Uint32Array(maxMs + 2);
  }

  /** Adds `n` samples of `ms`. */
  add(ms: number, n = 1): void {
    const last = this.#buckets.length - 1;
    const bucket = ms <= 0 ? 0 : ms >= last ? last : Math.ceil(ms);
    this.#buckets[bucket] += n;
    this.#count += n;
    if (ms > this.#max) this.#max = ms;
  }

  /** The `p`th percentile (0-100) in ms, or null with no sample; past `maxMs` it answers `maxMs + 1`. */
  percentile(p: number): number | null {
    if (this.#count === 0) return null;
    const rank = Math.ceil((p / 100) * this.#count);
    let seen = 0;
    for (let ms = 0; ms < this.#buckets.length; ms++) {
      seen += this.#buckets[ms];
      if (seen >= rank) return ms;
    }
    return this.#buckets.length - 1;
  }

  summary(): { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
    return {
      count: this.#count,
      p50Ms: this.percentile(50),
      p99Ms: this.percentile(99),
      maxMs: this.#count === 0 ? null : Math.ceil(this.#max),
    };
  }
}
