/**
 * A small least-recently-used cache of computed answers, keyed by strings that include data versions.
 * Answers are kept as bytes: a large body is encoded once, not on every response.
 */
export class Memo {
  readonly #limit: number;
  readonly #entries = new Map<string, Buffer>();

  constructor(limit = 64) {
    this.#limit = limit;
  }

  get(key: string, compute: () => string): Buffer {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const value = Buffer.from(compute());
    this.#entries.set(key, value);
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }
}
