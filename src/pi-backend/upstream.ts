import { PimeshError } from '../errors.js';
import { boundedRequest, formatBytes, MiB, ResponseTooLargeError } from '../util/bounded-request.js';
import { VERSION } from '../version.js';

/**
 * An upstream web service failed: 503 when it could not be reached or did not answer in time, 502
 * when it answered with something unusable. The message names the service and its origin, never the
 * query (which may hold an API key).
 */
export class UpstreamError extends PimeshError {
  readonly upstream: string;

  constructor(
    upstream: string,
    message: string,
    options: { code: string; status: 502 | 503; cause?: unknown },
  ) {
    super(`${upstream} ${message}`, options);
    this.upstream = upstream;
  }
}

export interface UpstreamRequest {
  /** What to call it in messages, e.g. "open-meteo forecast". */
  name: string;
  /** The configured base URL (may hold a path prefix; a trailing "/" is ignored). */
  baseUrl: string;
  /** Path below the base, starting with "/". */
  path: string;
  searchParams: Record<string, string | number>;
  timeoutMs: number;
  /** The largest answer read (default 4 MiB: a forecast with hourly series and air quality). */
  maxBytes?: number;
}

export const MAX_UPSTREAM_BYTES = 4 * MiB;

export interface UpstreamAnswer {
  status: number;
  body: unknown;
}

function origin(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return baseUrl;
  }
}

/**
 * One GET answered with JSON, whatever its status (callers read an API's own error bodies). No
 * retries: this runs on the request path. got is loaded on first use.
 */
export async function getJson(request: UpstreamRequest): Promise<UpstreamAnswer> {
  const where = `(${origin(request.baseUrl)})`;
  const url = `${request.baseUrl.replace(/\/+$/, '')}${request.path}`;
  const target = new URL(url);
  for (const [key, value] of Object.entries(request.searchParams))
    target.searchParams.set(key, String(value));
  let response: { statusCode: number; body: string };
  try {
    response = await boundedRequest(target, {
      timeoutMs: request.timeoutMs,
      maxBytes: request.maxBytes ?? MAX_UPSTREAM_BYTES,
      headers: { 'user-agent': `pimesh/${VERSION}`, accept: 'application/json' },
    });
  } catch (error) {
    if (error instanceof ResponseTooLargeError) {
      throw new UpstreamError(request.name, `${where} answered more than ${formatBytes(error.maxBytes)}`, {
        code: 'ERR_UPSTREAM',
        status: 502,
      });
    }
    const code = (error as { code?: string }).code;
    if (code === 'ETIMEDOUT') {
      throw new UpstreamError(request.name, `${where} did not answer within ${request.timeoutMs} ms`, {
        code: 'ERR_UPSTREAM_TIMEOUT',
        status: 503,
        cause: error,
      });
    }
    throw new UpstreamError(request.name, `${where} unreachable: ${code ?? (error as Error).message}`, {
      code: 'ERR_UPSTREAM_UNAVAILABLE',
      status: 503,
      cause: error,
    });
  }
  try {
    return { status: response.statusCode, body: JSON.parse(response.body) };
  } catch (error) {
    throw new UpstreamError(
      request.name,
      `${where} answered ${response.statusCode} with a body that is not JSON`,
      { code: 'ERR_UPSTREAM', status: 502, cause: error },
    );
  }
}

/** The API's own error text from a JSON error body (`reason`, `message` or `error`), if any. */
export function upstreamReason(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['reason', 'message', 'error']) {
    if (typeof record[key] === 'string' && record[key]) return (record[key] as string).slice(0, 300);
  }
  return undefined;
}

/** The body of a 2xx answer, or a 502 naming the service, its status and its reason. */
export function expectOk(request: UpstreamRequest, answer: UpstreamAnswer): unknown {
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  const reason = upstreamReason(answer.body);
  throw new UpstreamError(
    request.name,
    `(${origin(request.baseUrl)}) answered ${answer.status}${reason ? `: ${reason}` : ''}`,
    { code: 'ERR_UPSTREAM', status: 502 },
  );
}
