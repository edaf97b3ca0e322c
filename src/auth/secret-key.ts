import { createHash, timingSafeEqual } from 'node:crypto';

export interface SecretKeyOptions {
  /** The key in plain text. */
  key?: string;
  /** A bcrypt hash of it (`$2y$`, `$2b$`, `$2a$`): PHP's `password_hash` output works as it is. */
  keyHash?: string;
}

/** How many distinct candidates that passed bcrypt are remembered, so a peer's every call is not a bcrypt. */
const REMEMBERED = 4;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The one key checker, for the network key and the admin key alike. A plain key is compared in
 * constant time (over SHA-256 digests, so its length does not leak either); a hash is checked with
 * bcryptjs, which takes PHP's `$2y$` hashes once the prefix reads `$2b$` (the same algorithm).
 */
export class SecretKey {
  readonly #key: Buffer | undefined;
  readonly #hash: string | undefined;
  readonly #verified: Buffer[] = [];

  constructor(options: SecretKeyOptions = {}) {
    this.#key = options.key ? digest(options.key) : undefined;
    this.#hash = options.keyHash ? options.keyHash.replace(/^\$2y\$/, '$2b$') : undefined;
  }

  /** False with neither a key nor a hash: every candidate is then refused. */
  configured(): boolean {
    return this.#key !== undefined || this.#hash !== undefined;
  }

  /** What is configured, for log lines: 'key', 'hash', 'key+hash' or 'none'. */
  describe(): string {
    if (this.#key && this.#hash) return 'key+hash';
    return this.#key ? 'key' : this.#hash ? 'hash' : 'none';
  }

  async verify(candidate: string): Promise<boolean> {
    if (!this.configured()) return false;
    const hashed = digest(candidate);
    if (this.#key && timingSafeEqual(hashed, this.#key)) return true;
    if (!this.#hash) return false;
    if (this.#verified.some((known) => timingSafeEqual(known, hashed))) return true;
    // Loaded on first use: a node that is never asked does not keep bcrypt in memory.
    const { default: bcrypt } = await import('bcryptjs');
    const ok = await bcrypt.compare(candidate, this.#hash);
    if (ok) {
      this.#verified.push(hashed);
      if (this.#verified.length > REMEMBERED) this.#verified.shift();
    }
    return ok;
  }
}
