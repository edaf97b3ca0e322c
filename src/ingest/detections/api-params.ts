/**
 * The detections API's inputs as FastAPI reads them: query parameters (the last of a repeated one,
 * pydantic's lax parsing of ints, booleans, dates and literals; every problem a 422 issue, all
 * reported at once) and JSON bodies (size-capped; a body that is not JSON is a 422 as well).
 */
import type { Readable } from 'node:stream';
import { PimeshError } from '../../errors.js';
import { issues, ValidationError, type ValidationIssue } from './errors.js';
import { parseZone, type Zone } from './rules.js';
import { parseIsoDate, parseIsoInstant } from './timestamps.js';
import type { ZoneClock } from './zoned-time.js';

type Query = Record<string, string | string[] | undefined>;

const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export class QueryReader {
  readonly #query: Query;
  readonly #issues: ValidationIssue[] = [];

  constructor(query: Query) {
    this.#query = query;
  }

  /** The last value of a parameter given several times (as Starlette's query params answer it). */
  text(name: string): string | undefined {
    const value = this.#query[name];
    return Array.isArray(value) ? value[value.length - 1] : value;
  }

  required(name: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) this.#issues.push(issues.missing(['query', name]));
    return value;
  }

  int(name: string, rule: { default?: number; ge?: number; le?: number } = {}): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return rule.default;
    const loc = ['query', name];
    const text = raw.trim();
    if (!/^[+-]?\d+$/.test(text)) {
      this.#issues.push(issues.int(loc, raw));
      return rule.default;
    }
    const value = Number(text);
    if (rule.ge !== undefined && value < rule.ge) this.#issues.push(issues.ge(loc, raw, rule.ge));
    else if (rule.le !== undefined && value > rule.le) this.#issues.push(issues.le(loc, raw, rule.le));
    else return value;
    return rule.default;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const text = raw.trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    this.#issues.push(issues.bool(['query', name], raw));
    return fallback;
  }

  date(name: string): { year: number; month: number; day: number } | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const date = parseIsoDate(raw.trim());
    if (!date) this.#issues.push(issues.date(['query', name], raw));
    return date;
  }

  literal<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.#issues.push(issues.literal(['query', name], raw, allowed));
    return fallback;
  }

  /** `zone=`: any case (the original matched only the stored case); anything else a 400 with its text. */
  zone(): { zone: Zone; text: string } | undefined {
    const text = this.text('zone');
    if (text === undefined || text === '') return undefined;
    const zone = parseZone(text);
    if (!zone) throw new PimeshError(`Zona inválida: ${text}`, { code: 'ERR_ZONE', status: 400 });
    return { zone, text };
  }

  /** An ISO 8601 time (naive: in `clock`'s zone); a bad one is the original's 400. */
  instant(text: string | undefined, clock: ZoneClock): number | undefined {
    if (text === undefined) return undefined;
    const us = parseIsoInstant(text.trim(), clock);
    if (us === undefined) {
      throw new PimeshError('Formato de fecha inválido. Use ISO 8601 (YYYY-MM-DDTHH:MM:SS)', {
        code: 'ERR_DATE',
        status: 400,
      });
    }
    return us;
  }

  /** Throws ValidationError (422) with every problem found so far. */
  done(): void {
    if (this.#issues.length > 0) throw new ValidationError(this.#issues);
  }
}

/** A body over the limit: 413 `{"detail": ...}`. */
export class BodyTooLargeError extends PimeshError {
  constructor(maxBytes: number) {
    super(`request body over ${maxBytes} bytes`, { code: 'ERR_BODY_TOO_LARGE', status: 413 });
  }
}

/**
 * A JSON body as FastAPI reads one: no Content-Type or a JSON one is parsed (another is a 422, the
 * body not being an object); an empty body is a missing one; bad JSON is `json_invalid`. Bodies over
 * `maxBytes` are refused from their Content-Length or as soon as they pass it.
 */
export async function readJsonBody(
  stream: Readable,
  headers: { 'content-type'?: string; 'content-length'?: string },
  maxBytes: number,
): Promise<unknown> {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw error;
    // The client went away mid-body: its request, not a fault of the node.
    throw new PimeshError('request body not received completely', { code: 'ERR_BODY_ABORTED', status: 400 });
  }
  const type = headers['content-type'];
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new ValidationError([issues.model(['body'], text)]);
  }
  if (text.trim() === '') throw new ValidationError([issues.missing(['body'])]);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
    throw new ValidationError([issues.json(position, message)]);
  }
}
