import { createHash, timingSafeEqual } from 'node:crypto';
import { testInput } from './php-input.js';

export interface NetworkKeyOptions {
  /** config `network.key`: the shared key in plain text. */
  key?: string;
  /** config `network.keyHash`: a bcrypt hash of it, e.g. the original api.php's `$2y$10$…`. */
  keyHash?: string;
}

/** How many distinct candidates that passed bcrypt are remembered, so a peer's every post is not a bcrypt. */
const REMEMBERED = 4;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The network-wide key a POST to api.php must carry, checked as the original does:
 * `password_verify(test_input($_POST["api_key"]), $hash)`. A plain key is compared in constant time
 * (over SHA-256 digests, so its length does not leak either); a hash is checked with bcryptjs, which
 * takes PHP's `$2y$` hashes once the prefix reads `$2b$` (the two are the same algorithm).
 */
export class NetworkKey {
  readonly #key: Buffer | undefined;
  readonly #hash: string | undefined;
  readonly #verified: Buffer[] = [];

  constructor(options: NetworkKeyOptions = {}) {
    this.#key = options.key ? digest(options.key) : undefined;
    this.#hash = options.keyHash ? options.keyHash.replace(/^\$2y\$/, '$2b$') : undefined;
  }

  /** False with neither a key nor a hash: every POST is then refused. */
  configured(): boolean {
    return this.#key !== undefined || this.#hash !== undefined;
  }

  /** What is configured, for log lines: 'key', 'hash', 'key+hash' or 'none'. */
  describe(): string {
    if (this.#key && this.#hash) return 'key+hash';
    return this.#key ? 'key' : this.#hash ? 'hash' : 'none';
  }

  /** Whether the POSTed `api_key` (raw, before test_input) is the network key. */
  async verify(candidate: string | undefined): Promise<boolean> {
    if (!this.configured()) return false;
    const input = testInput(candidate);
    const hashed = digest(input);
    if (this.#key && timingSafeEqual(hashed, this.#key)) return true;
    if (!this.#hash) return false;
    if (this.#verified.some((known) => timingSafeEqual(known, hashed))) return true;
    // Loaded on first use: a node that is never POSTed to does not keep bcrypt in memory.
    const { default: bcrypt } = await import('bcryptjs');
    const ok = await bcrypt.compare(input, this.#hash);
    if (ok) {
      this.#verified.push(hashed);
      if (this.#verified.length > REMEMBERED) this.#verified.shift();
    }
    return ok;
  }
}
