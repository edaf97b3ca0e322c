import { PimeshError } from '../../errors.js';

/** Why a peer's answer was not a device list. Stable: tests and logs match on the code, never the message. */
export type PeerErrorCode =
  /** The peer refused our key: `Wrong API Key provided.` (original, HTTP 200) or 401/403 (pimesh). */
  | 'ERR_PEER_REJECTED'
  /** A 2xx answer that is neither empty nor a JSON array (PHP `var_dump`, `Error opening output file`...). */
  | 'ERR_PEER_BAD_ANSWER'
  /**
   * Any other status: 3xx is not followed (the key never leaves for another host), 5xx is transient,
   * 4xx is not (pimesh's 429 means too many wrong keys: retrying soon cannot help).
   */
  | 'ERR_PEER_HTTP'
  /** The address is not `host`, `host:port`, `IPv4[:port]` or `[v6][:port]`; nothing was sent. */
  | 'ERR_PEER_BAD_ADDRESS';

/**
 * A peer answered, or could not be asked, in a way that is not a device list. `transient` is the marker
 * the retry policy reads (5xx only); `statusCode` is the HTTP status when there was one.
 */
export class PeerError extends PimeshError {
  readonly address: string;
  readonly statusCode: number | undefined;
  readonly transient: boolean;

  constructor(
    code: PeerErrorCode,
    address: string,
    message: string,
    options: { statusCode?: number; cause?: unknown } = {},
  ) {
    super(`${address}: ${message}`, { code, status: 502, cause: options.cause });
    this.address = address;
    this.statusCode = options.statusCode;
    this.transient = code === 'ERR_PEER_HTTP' && (options.statusCode ?? 0) >= 500;
  }
}

/**
 * Network error codes worth one more try a little later: the connection broke or stalled, or DNS had a
 * hiccup. Not ECONNREFUSED (nothing listens: the daemon is down or the address moved), EHOSTUNREACH,
 * ENETUNREACH or ENOTFOUND (they do not heal in seconds), and never a refused key or a bad answer.
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
]);

/** The code to report for any rejection of `GossipTransport.post` (`ERR_UNKNOWN` when there is none). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERR_UNKNOWN';
}

/** True when retrying the same POST soon may succeed (see `TRANSIENT_CODES` and `PeerError.transient`). */
export function isTransient(error: unknown): boolean {
  if (error instanceof PeerError) return error.transient;
  return TRANSIENT_CODES.has(errorCode(error));
}

/** The rejection a refused TCP connection gives (Node's shape: `code`, `syscall`, `address`). */
export function connectionRefused(address: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${address}`), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
    address,
  });
}
