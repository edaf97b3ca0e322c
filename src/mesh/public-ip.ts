import { isIP } from 'node:net';
import type { Logger } from '../log.js';
import { boundedRequest, KiB } from '../util/bounded-request.js';

/** An address is a few bytes: an answer bigger than this is not one. */
const MAX_ANSWER_BYTES = 4 * KiB;

/**
 * The node's public address from a what-is-my-IP URL (plain-text answer, e.g. the Solar Protocol
 * gateway's `?myip`). Off unless configured: no public host is asked by default.
 */
export class PublicIp {
  readonly #url: string | undefined;
  readonly #log: Logger;
  #current: string | undefined;

  constructor(options: { url?: string; log: Logger }) {
    this.#url = options.url;
    this.#log = options.log;
  }

  current(): string | undefined {
    return this.#current;
  }

  /** Asks the URL again; resolves true when the address changed. A failed lookup keeps the last one. */
  async refresh(): Promise<boolean> {
    if (this.#url === undefined) return false;
    try {
      const answer = await boundedRequest(this.#url, { timeoutMs: 5000, maxBytes: MAX_ANSWER_BYTES });
      if (answer.statusCode !== 200) throw new Error(`HTTP ${answer.statusCode}`);
      const text = answer.body.trim();
      if (isIP(text) === 0) {
        this.#log.warn(
          { url: this.#url, answer: text.slice(0, 80) },
          'public-IP lookup did not answer an IP',
        );
        return false;
      }
      const changed = text !== this.#current;
      this.#current = text;
      return changed;
    } catch (error) {
      this.#log.warn({ url: this.#url, err: (error as Error).message }, 'public-IP lookup failed');
      return false;
    }
  }
}
