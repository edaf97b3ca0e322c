import { boundedRequest, MiB } from '../../util/bounded-request.js';
import type { CloudflareConfig } from './config.js';
import { DEFAULT_TIMEOUT_MS, type HttpProviderOptions, requestFailed, requireIpv4 } from './namecheap.js';
import { type DnsErrorCode, type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

interface DnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

interface CloudflareError {
  code?: unknown;
  message?: unknown;
  error_chain?: CloudflareError[];
}

/** Token errors: 9109 invalid token, 9103/9106 bad key headers, 10000 authentication (or scope), 6111 bad header. */
const AUTH_CODES = new Set([9103, 9106, 9109, 10000, 6111]);

const codesOf = (errors: CloudflareError[]): number[] =>
  errors.flatMap((error) => [
    ...(typeof error.code === 'number' ? [error.code] : []),
    ...codesOf(error.error_chain ?? []),
  ]);

const describe = (error: CloudflareError): string => {
  const chain = error.error_chain ?? [];
  const inner = chain.length > 0 ? ` (${chain.map(describe).join('; ')})` : '';
  return `${String(error.code)}: ${String(error.message)}${inner}`;
};

/** The envelope's result, or the DnsUpdateError its status and `errors[]` call for. */
export function readEnvelope(name: string, statusCode: number, body: string): unknown {
  let envelope: { success?: unknown; errors?: unknown; result?: unknown } | undefined;
  try {
    envelope = JSON.parse(body);
  } catch {}
  const errors: CloudflareError[] = Array.isArray(envelope?.errors) ? envelope.errors : [];
  if (statusCode >= 200 && statusCode < 300 && envelope?.success === true) return envelope.result;
  const described = errors.map(describe).join('; ');
  const text = `HTTP ${statusCode}${described ? ` (${described})` : envelope ? '' : ', not a JSON envelope'}`;
  let code: DnsErrorCode = 'ERR_DNS_REJECTED';
  if (statusCode === 401 || statusCode === 403 || codesOf(errors).some((c) => AUTH_CODES.has(c))) {
    code = 'ERR_DNS_AUTH';
  } else if (statusCode >= 500 || statusCode === 429) {
    code = 'ERR_DNS_UNREACHABLE';
  }
  throw new DnsUpdateError(name, code, text);
}

const isRecord = (value: unknown): value is DnsRecord =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as DnsRecord).id === 'string' &&
  typeof (value as DnsRecord).content === 'string';

/** A Cloudflare v4 envelope for one zone's matching records; far below this for one name. */
const MAX_CLOUDFLARE_BYTES = MiB;

export function createCloudflare(
  config: CloudflareConfig,
  secrets: Secrets,
  options: HttpProviderOptions = {},
): DnsProvider {
  const name = 'cloudflare';
  const token = secrets.require(name, config.tokenSecret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const records = `${config.baseUrl.replace(/\/+$/, '')}/zones/${config.zoneId}/dns_records`;
  /** The record's ID as the last lookup found it. */
  let knownId: string | undefined = config.recordId;

  async function call(method: string, url: URL, body: object | undefined, signal?: AbortSignal) {
    try {
      const response = await boundedRequest(url, {
        method: method as 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal,
        timeoutMs,
        maxBytes: MAX_CLOUDFLARE_BYTES,
      });
      return readEnvelope(name, response.statusCode, response.body);
    } catch (error) {
      if (error instanceof DnsUpdateError) throw error;
      throw requestFailed(name, url.host, timeoutMs, error);
    }
  }

  /** The A record named recordName, if there is one; several are a configuration problem. */
  async function lookup(signal?: AbortSignal): Promise<DnsRecord | undefined> {
    const url = new URL(records);
    url.search = new URLSearchParams({ type: 'A', name: config.recordName }).toString();
    const result = await call('GET', url, undefined, signal);
    if (!Array.isArray(result)) {
      throw new DnsUpdateError(name, 'ERR_DNS_REJECTED', 'the record list is not an array');
    }
    const found = result.filter(
      (record): record is DnsRecord =>
        isRecord(record) &&
        record.type === 'A' &&
        record.name.toLowerCase() === config.recordName.toLowerCase(),
    );
    if (found.length > 1 && !config.recordId) {
      throw new DnsUpdateError(
        name,
        'ERR_DNS_CONFIG',
        `${found.length} A records are named ${config.recordName}; set recordId to the one to update`,
      );
    }
    const record = config.recordId ? found.find((r) => r.id === config.recordId) : found[0];
    if (!config.recordId) knownId = record?.id;
    return record;
  }

  return {
    name,
    target: config.recordName,
    async current(signal) {
      return (await lookup(signal))?.content;
    },
    async update(ip, signal) {
      requireIpv4(name, ip);
      const id = knownId ?? (await lookup(signal))?.id;
      const body = {
        type: 'A',
        name: config.recordName,
        content: ip,
        ttl: config.ttl,
        proxied: config.proxied,
      };
      let result: unknown;
      try {
        result = await call(id ? 'PATCH' : 'POST', new URL(id ? `${records}/${id}` : records), body, signal);
      } catch (error) {
        // A record deleted since the lookup: look it up again next time (a configured recordId stays).
        if (id && !config.recordId) knownId = undefined;
        throw error;
      }
      if (!isRecord(result)) throw new DnsUpdateError(name, 'ERR_DNS_REJECTED', 'the answer holds no record');
      knownId = config.recordId ?? result.id;
      return `${config.recordName} ${id ? 'updated' : 'created'} with ${result.content} (record ${result.id})`;
    },
  };
}
