/**
 * Every answer read from a peer or a remote service goes through here: one request with a deadline
 * for the whole exchange (connect, headers and body), a cap on the body's size, no redirect and no
 * retry. A body over the cap is aborted as soon as it is known to be (from Content-Length, else at
 * the first chunk past it), so a hostile peer costs at most `maxBytes` of memory, never its answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Got } from 'got';
import { PimeshError } from '../errors.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export interface BoundedRequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, body included. */
  timeoutMs: number;
  /** The largest body read; a bigger one rejects with ResponseTooLargeError. */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface BoundedResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 (invalid bytes become U+FFFD). */
  body: string;
}

/** An answer bigger than the caller allows: it was cut off and nothing of it is used. */
export class ResponseTooLargeError extends PimeshError {
  readonly maxBytes: number;

  constructor(host: string, maxBytes: number) {
    super(`${host} answered more than ${formatBytes(maxBytes)}; the answer was dropped`, {
      code: 'ERR_RESPONSE_TOO_LARGE',
      status: 502,
    });
    this.maxBytes = maxBytes;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

let gotModule: Promise<Got> | undefined;
/** got is loaded on first use, so a node that never asks anyone does not hold it in memory. */
export const loadGot = (): Promise<Got> => {
  gotModule ??= import('got').then((module) => module.default);
  return gotModule;
};

/**
 * One request, every status answered (callers read the API's own error bodies). Rejects with got's
 * RequestError (code ETIMEDOUT, ECONNREFUSED, ERR_ABORTED...) when no whole answer came in time, or
 * ResponseTooLargeError.
 */
export async function boundedRequest(
  url: string | URL,
  options: BoundedRequestOptions,
): Promise<BoundedResponse> {
  const got = await loadGot();
  const host = new URL(url).host;
  // got keeps its listener on the signal it was given after the request ended, and aborting that
  // signal later throws where nobody catches it: give got a signal of its own for this request only.
  const own = new AbortController();
  const forward = () => own.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  else options.signal?.addEventListener('abort', forward, { once: true });
  try {
    return await request(got, url, host, options, own.signal);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
}

async function request(
  got: Got,
  url: string | URL,
  host: string,
  options: BoundedRequestOptions,
  signal: AbortSignal,
): Promise<BoundedResponse> {
  const stream = got.stream(url, {
    method: options.method ?? 'GET',
    headers: options.headers,
    // A got stream of a method with a body waits for one to be piped in: give it an empty one.
    body: options.body ?? (options.method && options.method !== 'GET' ? '' : undefined),
    timeout: { request: options.timeoutMs },
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    // No Accept-Encoding: a compressed answer could be small on the wire and huge in memory.
    decompress: false,
    signal,
  });
  let statusCode = 0;
  let headers: IncomingHttpHeaders = {};
  stream.once('response', (response: { statusCode: number; headers: IncomingHttpHeaders }) => {
    statusCode = response.statusCode;
    headers = response.headers;
    const declared = Number(response.headers['content-length']);
    if (declared > options.maxBytes) stream.destroy(new ResponseTooLargeError(host, options.maxBytes));
  });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) throw new ResponseTooLargeError(host, options.maxBytes);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    stream.destroy();
    // got wraps the error the stream was destroyed with in a RequestError: unwrap ours.
    const cause = (error as { cause?: unknown }).cause;
    throw cause instanceof ResponseTooLargeError ? cause : error;
  }
  return { statusCode, headers, body: Buffer.concat(chunks, size).toString('utf8') };
}
