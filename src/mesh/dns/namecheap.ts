/**
 * Namecheap Dynamic DNS, as the original update_ip2.sh called it:
 * `GET https://dynamicdns.park-your-domain.com/update?host=@&domain=<domain>&password=<key>&ip=<ip>`,
 * answered with an XML `<interface-response>` whose `<ErrCount>0</ErrCount>` means success.
 *
 * Also holds the small HTTP pieces the other query-string DDNS protocols (sp-gateway, dyndns2) share:
 * the password travels in the URL, so no URL, header or got error ever reaches a message.
 */
import { isIPv4 } from 'node:net';
import { boundedRequest, formatBytes, KiB, ResponseTooLargeError } from '../../util/bounded-request.js';
import type { NamecheapConfig } from './config.js';
import { type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

export interface HttpProviderOptions {
  /** Whole-request timeout. Default 10000. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** A dynamic-DNS answer is one line or a small XML document. */
export const MAX_DDNS_BYTES = 64 * KiB;

/** Throws ERR_DNS_CONFIG unless `ip` is a dotted IPv4 address: nothing else is sent. */
export function requireIpv4(provider: string, ip: string): void {
  if (!isIPv4(ip)) {
    throw new DnsUpdateError(provider, 'ERR_DNS_CONFIG', `${JSON.stringify(ip)} is not an IPv4 address`);
  }
}

/** `k=v&…` in the given order, percent-encoded but leaving `@` as it is (the original sent `host=@`). */
export function queryString(pairs: [string, string][]): string {
  return pairs.map(([key, value]) => `${key}=${encodeURIComponent(value).replace(/%40/g, '@')}`).join('&');
}

/** `text` with every secret (as is or percent-encoded) replaced by `***`, for quoting an answer. */
export function redact(text: string, ...secrets: string[]): string {
  const forms = secrets.flatMap((secret) => [
    secret,
    encodeURIComponent(secret),
    queryString([['', secret]]).slice(1),
  ]);
  return forms
    .filter((form) => form !== '')
    .sort((a, b) => b.length - a.length)
    .reduce((out, form) => out.split(form).join('***'), text);
}

/** The first line of an answer, trimmed and cut to `max` characters, for messages. */
export function excerpt(text: string, max = 120): string {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

export interface GetOptions {
  timeoutMs: number;
  /** The largest answer read (default 64 KiB). */
  maxBytes?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * One GET with no retry and no redirect, every status answered. A network error, a timeout or an abort
 * rejects with ERR_DNS_UNREACHABLE naming only the host (the URL and got's error hold the secret).
 */
export async function ddnsGet(
  provider: string,
  url: URL,
  options: GetOptions,
): Promise<{ statusCode: number; body: string }> {
  try {
    const response = await boundedRequest(url, {
      headers: options.headers,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes ?? MAX_DDNS_BYTES,
    });
    return { statusCode: response.statusCode, body: response.body };
  } catch (error) {
    throw requestFailed(provider, url.host, options.timeoutMs, error);
  }
}

/** The ERR_DNS_UNREACHABLE for a request that got no answer; deliberately without the got error as cause. */
export function requestFailed(
  provider: string,
  host: string,
  timeoutMs: number,
  error: unknown,
): DnsUpdateError {
  if (error instanceof ResponseTooLargeError) {
    return new DnsUpdateError(
      provider,
      'ERR_DNS_REJECTED',
      `${host}: answered more than ${formatBytes(error.maxBytes)}; the answer was dropped`,
    );
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  const why =
    code === 'ETIMEDOUT'
      ? `no answer within ${timeoutMs} ms`
      : code === 'ERR_ABORTED'
        ? 'the request was aborted'
        : `no answer (${typeof code === 'string' ? code : 'request failed'})`;
  return new DnsUpdateError(provider, 'ERR_DNS_UNREACHABLE', `${host}: ${why}`);
}

export interface NamecheapAnswer {
  errCount: number;
  /** `<Err1>`, `<Err2>`… texts in order. */
  errors: string[];
  /** The `<IP>` Namecheap set, when it says. */
  ip?: string;
}

const decodeXml = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();

/** Reads Namecheap's `<interface-response>`; undefined when the body has no `<ErrCount>`. */
export function parseNamecheapAnswer(body: string): NamecheapAnswer | undefined {
  const count = /<ErrCount>\s*(\d+)\s*<\/ErrCount>/i.exec(body);
  if (!count) return undefined;
  const errors = [...body.matchAll(/<Err(\d+)>([\s\S]*?)<\/Err\1>/gi)].map((match) => decodeXml(match[2]));
  const ip = /<IP>\s*([^<]*?)\s*<\/IP>/i.exec(body)?.[1];
  return { errCount: Number(count[1]), errors, ...(ip ? { ip } : {}) };
}

/** Namecheap's words for a wrong Dynamic DNS password. */
export const isNamecheapPasswordError = (text: string): boolean =>
  /passwords? do not match|invalid password/i.test(text);

/** Classifies an HTTP status that is not a 200: 5xx is UNREACHABLE, anything else REJECTED. */
export function statusError(provider: string, statusCode: number): DnsUpdateError {
  return statusCode >= 500
    ? new DnsUpdateError(provider, 'ERR_DNS_UNREACHABLE', `HTTP ${statusCode}`)
    : new DnsUpdateError(
        provider,
        'ERR_DNS_REJECTED',
        statusCode >= 300 && statusCode < 400
          ? `HTTP ${statusCode} (redirects are not followed)`
          : `HTTP ${statusCode}`,
      );
}

export function createNamecheap(
  config: NamecheapConfig,
  secrets: Secrets,
  options: HttpProviderOptions = {},
): DnsProvider {
  const name = 'namecheap';
  const password = secrets.require(name, config.passwordSecret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const target = `${config.host}.${config.domain}`;
  return {
    name,
    target,
    async update(ip, signal) {
      requireIpv4(name, ip);
      const query = queryString([
        ['host', config.host],
        ['domain', config.domain],
        ['password', password],
        ['ip', ip],
      ]);
      const url = new URL(`${config.baseUrl.replace(/\/+$/, '')}/update?${query}`);
      const { statusCode, body } = await ddnsGet(name, url, { timeoutMs, signal });
      if (statusCode !== 200) throw statusError(name, statusCode);
      const answer = parseNamecheapAnswer(body);
      if (!answer) {
        throw new DnsUpdateError(
          name,
          'ERR_DNS_REJECTED',
          `unexpected answer: ${JSON.stringify(redact(excerpt(body), password))}`,
        );
      }
      if (answer.errCount === 0) return `${target} set to ${answer.ip ?? ip} (ErrCount 0)`;
      const text = redact(answer.errors.join('; ') || `ErrCount ${answer.errCount}`, password);
      if (answer.errors.some(isNamecheapPasswordError)) {
        throw new DnsUpdateError(
          name,
          'ERR_DNS_AUTH',
          `Namecheap refused the password for ${target}: ${text}`,
        );
      }
      throw new DnsUpdateError(name, 'ERR_DNS_REJECTED', `Namecheap refused ${target}: ${text}`);
    },
  };
}
