/**
 * The hot path's memo: `?value=X` (the newest row's X, what peers, websites and load tests ask most)
 * is answered from a kept body while nothing it was made from can have changed: no tracer file was
 * parsed or appended since (the store's generation), the local day is the same, and at most a second
 * has passed (the store's own recheck of files written by other processes). Other queries are
 * answered afresh.
 */
import { parsePhpQuery } from './php.js';
import type { SolarAnswers } from './solar-answers.js';
import type { Flavor } from './solar-query.js';
import { tracerGeneration } from './tracer-store.js';

const TTL_MS = 1000;
const MAX_ENTRIES = 64;

interface Kept {
  body: string | Buffer;
  generation: number;
  /** Epoch ms (the answers' clock) after which it is made again. */
  until: number;
}

/** The first instant of the next local day after `ms`. */
function nextLocalMidnight(ms: number): number {
  const d = new Date(ms);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}

export class LatestAnswers {
  readonly #answers: SolarAnswers;
  readonly #kept = new Map<string, Kept>();

  constructor(answers: SolarAnswers) {
    this.#answers = answers;
  }

  /** The endpoint's answer to a raw query string, as SolarAnswers gives it. */
  answer(flavor: Flavor, version: 1 | 2, query: string): string | Buffer {
    const key = `${version}${flavor}?${query}`;
    const kept = this.#kept.get(key);
    const now = this.#answers.now().getTime();
    if (kept !== undefined && kept.generation === tracerGeneration() && now < kept.until) return kept.body;
    const q = parsePhpQuery(query);
    const body = this.#answers.answer(flavor, version, q);
    // After the answer: its own read may have parsed the file (synchronous, nothing else ran between).
    const generation = tracerGeneration();
    // Only the newest row's value: scaled-wattage also reads local.json, duration= other days.
    if (q.size === 1 && q.has('value') && q.get('value') !== 'scaled-wattage') {
      if (this.#kept.size >= MAX_ENTRIES) this.#kept.clear();
      this.#kept.set(key, { body, generation, until: Math.min(now + TTL_MS, nextLocalMidnight(now)) });
    }
    return body;
  }
}
