/**
 * A peer's election metric, fetched as solarProtocol.py fetches it:
 * `GET http://<address>/api/v1/chargecontroller.php?value=<metric>` and `float(body)`, anything else
 * (timeout, refused, empty or non-numeric body) meaning "no candidate". In stable mode the sample's
 * `?value=datetime` is fetched beside it, so a peer whose charge controller stopped logging does not
 * compete with its last value. Each peer gets one deadline for everything, retries included, so a
 * round takes one timeout however many peers hang.
 */
import { parseNaiveDatetime } from '../readings/local-time.js';
import { boundedRequest, KiB } from '../util/bounded-request.js';
import type { Candidate } from './election.js';
import { peerUrl } from './gossip/http-transport.js';

export interface PeerSampleOptions {
  /** `scaled-wattage` or `PV-voltage`. */
  metric: string;
  /** Also fetch `?value=datetime` (stable mode). */
  withTime: boolean;
  /** The whole budget for this peer, retries included (the original's 5 s). */
  timeoutMs: number;
  /** Extra attempts after a refused or reset connection, while the budget lasts. */
  retries: number;
}

/** A single value is a few bytes; anything bigger than this is not an answer to `?value=`. */
export const MAX_VALUE_BYTES = 64 * KiB;

export interface PeerRef {
  mac: string;
  name: string;
  address: string;
  /** The peer's IANA zone from its deviceList entry, to read its naive datetimes. */
  tz?: string;
}

/** Python's float() on a body: optional spaces, a decimal or exponent number, `inf`/`nan` refused here. */
const FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export function parseMetric(body: string): number | undefined {
  return FLOAT.test(body) ? Number(body) : undefined;
}

/** Why a parsed metric cannot compete (`1e999` is Infinity), or undefined when it can. */
export function invalidMetric(metric: number): string | undefined {
  return Number.isFinite(metric) ? undefined : `not a finite number (${metric})`;
}

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH']);

async function fetchValue(
  url: string,
  deadline: number,
  retries: number,
): Promise<{ body?: string; error?: string }> {
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { error: 'ETIMEDOUT' };
    try {
      const response = await boundedRequest(url, { timeoutMs: remaining, maxBytes: MAX_VALUE_BYTES });
      if (response.statusCode !== 200) return { error: `HTTP ${response.statusCode}` };
      return { body: response.body };
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ERROR';
      if (attempt >= retries || !RETRYABLE.has(code) || deadline - Date.now() < 250) return { error: code };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** One peer as an election candidate. Never throws. */
export async function samplePeer(peer: PeerRef, options: PeerSampleOptions): Promise<Candidate> {
  const base: Omit<Candidate, 'metric' | 'status'> = {
    mac: peer.mac,
    name: peer.name,
    address: peer.address,
    self: false,
  };
  let url: string;
  try {
    url = peerUrl(peer.address).replace('/api.php', '/chargecontroller.php');
  } catch {
    return { ...base, metric: undefined, status: 'unreachable', error: 'not a host[:port] address' };
  }
  const deadline = Date.now() + options.timeoutMs;
  const [value, time] = await Promise.all([
    fetchValue(`${url}?value=${encodeURIComponent(options.metric)}`, deadline, options.retries),
    options.withTime ? fetchValue(`${url}?value=datetime`, deadline, options.retries) : undefined,
  ]);
  if (value.body === undefined)
    return { ...base, metric: undefined, status: 'unreachable', error: value.error };
  const metric = parseMetric(value.body);
  if (metric === undefined) {
    const shown = value.body.length > 40 ? `${value.body.slice(0, 40)}...` : value.body;
    return {
      ...base,
      metric: undefined,
      status: 'unparsable',
      error: `not a number: ${JSON.stringify(shown)}`,
    };
  }
  const invalid = invalidMetric(metric);
  if (invalid) return { ...base, metric: undefined, status: 'invalid', error: invalid };
  // Without the peer's zone its naive datetime cannot be placed in time: its age is then unknown.
  const sampledAt = time?.body && peer.tz ? parseNaiveDatetime(time.body, peer.tz) : undefined;
  return { ...base, metric, status: 'ok', ...(sampledAt === undefined ? {} : { sampledAt }) };
}
