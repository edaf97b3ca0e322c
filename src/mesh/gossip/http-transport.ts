/**
 * The real transport: one `POST http://<address>/api/v1/api.php` per call, as clientPostIP.py sends it,
 * with a timeout and no retries (the Disseminator retries transient failures with p-retry). Redirects are
 * not followed, so the network key is never sent on to another host.
 */

import { boundedRequest, MiB } from '../../util/bounded-request.js';
import { type DeviceEntry, deviceEntry } from '../device-entry.js';
import { PeerError } from './errors.js';
import { encodeForm, type GossipForm, type GossipTransport } from './transport.js';

export interface HttpTransportOptions {
  /** Whole-exchange timeout, the answer's body included (the original's `timeout=5`). Default 5000. */
  timeoutMs?: number;
  /** The largest answer read (default 1 MiB: about 4,000 entries with full POE logs). */
  maxBytes?: number;
}

export const MAX_LIST_BYTES = MiB;

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::(\d{1,5}))?$/;
const BRACKETED_V6 = /^\[[0-9A-Fa-f:.]+\](?::(\d{1,5}))?$/;
const BARE_V6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/**
 * `http://<address>/api/v1/api.php` for `host`, `host:port`, `IPv4[:port]`, `[v6][:port]` or a bare v6
 * address. Anything else (a path, `user@`, spaces, a port above 65535) throws ERR_PEER_BAD_ADDRESS:
 * addresses come from other nodes' lists, so they must not steer the request anywhere else.
 */
export function peerUrl(address: string): string {
  const trimmed = address.trim();
  let host: string | undefined;
  if (BARE_V6.test(trimmed)) host = `[${trimmed}]`;
  else {
    const match = HOST.exec(trimmed) ?? BRACKETED_V6.exec(trimmed);
    if (match && (match[1] === undefined || Number(match[1]) <= 65535)) host = trimmed;
  }
  if (!host) throw new PeerError('ERR_PEER_BAD_ADDRESS', address, 'not a host[:port] address');
  return `http://${host}/api/v1/api.php`;
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

/** One element of an answer as a DeviceEntry in key order; `undefined` without a string mac and ip. */
function normalise(value: unknown): DeviceEntry | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.mac !== 'string' || typeof v.ip !== 'string') return undefined;
  const log = Array.isArray(v.log) ? v.log.map(text) : typeof v.log === 'string' ? [v.log] : [];
  return deviceEntry({
    mac: v.mac,
    ip: v.ip,
    'time stamp': text(v['time stamp']),
    name: text(v.name),
    // A peer's entry without tz stays without it (the original answers null for it, not "").
    tz: v.tz === undefined || v.tz === null ? undefined : text(v.tz),
    log,
  });
}

/**
 * Reads an api.php answer: an empty body is `undefined`, a JSON array is the peer's list (elements
 * without a string mac and ip are skipped), anything else rejects with a PeerError.
 */
export function parseAnswer(address: string, statusCode: number, body: string): DeviceEntry[] | undefined {
  if (statusCode === 401 || statusCode === 403) {
    throw new PeerError('ERR_PEER_REJECTED', address, `refused our key (HTTP ${statusCode})`, { statusCode });
  }
  if (statusCode < 200 || statusCode > 299) {
    throw new PeerError('ERR_PEER_HTTP', address, `HTTP ${statusCode}`, { statusCode });
  }
  const trimmed = body.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return undefined;
  if (trimmed === 'Wrong API Key provided.') {
    throw new PeerError('ERR_PEER_REJECTED', address, trimmed, { statusCode });
  }
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch (error) {
    throw new PeerError('ERR_PEER_BAD_ANSWER', address, `not JSON: ${JSON.stringify(trimmed.slice(0, 60))}`, {
      statusCode,
      cause: error,
    });
  }
  if (!Array.isArray(data)) {
    throw new PeerError('ERR_PEER_BAD_ANSWER', address, 'the answer is not a JSON array', { statusCode });
  }
  return data.flatMap((value) => normalise(value) ?? []);
}

export class HttpTransport implements GossipTransport {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(options: HttpTransportOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxBytes = options.maxBytes ?? MAX_LIST_BYTES;
  }

  async post(address: string, form: GossipForm): Promise<DeviceEntry[] | undefined> {
    const url = peerUrl(address);
    const response = await boundedRequest(url, {
      method: 'POST',
      body: encodeForm(form),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      timeoutMs: this.#timeoutMs,
      maxBytes: this.#maxBytes,
    });
    return parseAnswer(address, response.statusCode, response.body);
  }
}
