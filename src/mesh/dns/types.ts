/**
 * What every DNS provider (one file each in this folder) offers the updater. A provider knows how to
 * point one name at one IPv4 address; deciding *whether* to (the record would change, the interval has
 * passed) and retrying with backoff is the updater's job, not the provider's.
 */
import { PimeshError } from '../../errors.js';

export interface DnsProvider {
  /** The provider's config name: `namecheap`, `sp-gateway`, `rfc2136`, `dyndns2`, `cloudflare`, `command`. */
  readonly name: string;
  /** The name being updated, for logs and status (e.g. `@.solarprotocol.net`, `poe.example.test`). */
  readonly target: string;
  /**
   * The address the record holds now, when the provider can look it up cheaply; `undefined` when it
   * cannot tell (the updater then falls back to the last successful update it remembers).
   */
  current?(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Points the record at `ip`. Resolves with a one-line description of the provider's answer (never a
   * secret); rejects with a DnsUpdateError.
   */
  update(ip: string, signal?: AbortSignal): Promise<string>;
}

export type DnsErrorCode =
  /** The provider refused our credentials (bad password, token, TSIG key): retrying will not help. */
  | 'ERR_DNS_AUTH'
  /** The provider answered, but with a failure (a Namecheap ErrCount > 0, a dyndns2 `nohost`, SERVFAIL). */
  | 'ERR_DNS_REJECTED'
  /** No answer: connection refused, timeout, a 5xx. Worth retrying. */
  | 'ERR_DNS_UNREACHABLE'
  /** The configuration cannot work (a secret missing from the secrets file, a bad zone). */
  | 'ERR_DNS_CONFIG';

export class DnsUpdateError extends PimeshError {
  readonly provider: string;
  /** Whether trying again later can succeed (false for auth and config errors). */
  readonly retryable: boolean;

  constructor(provider: string, code: DnsErrorCode, message: string, cause?: unknown) {
    super(`${provider}: ${message}`, { code, status: 502, cause });
    this.provider = provider;
    this.retryable = code === 'ERR_DNS_UNREACHABLE' || code === 'ERR_DNS_REJECTED';
  }
}

/** Secrets read from the secrets file (`KEY=value` lines); see secrets.ts. */
export interface Secrets {
  /** The value of `name`; throws DnsUpdateError ERR_DNS_CONFIG naming the key when it is absent. */
  require(provider: string, name: string): string;
  get(name: string): string | undefined;
}
