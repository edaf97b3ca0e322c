import { VERSION } from '../../version.js';
import type { Dyndns2Config } from './config.js';
import {
  DEFAULT_TIMEOUT_MS,
  ddnsGet,
  excerpt,
  type HttpProviderOptions,
  queryString,
  redact,
  requireIpv4,
  statusError,
} from './namecheap.js';
import { type DnsErrorCode, type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

export const DYNDNS2_USER_AGENT = `pimesh/${VERSION} ddclient-compatible`;

/** What each return code means (Dyn's "return codes" page, ddclient's messages) and how it is classified. */
const RETURN_CODES: Record<string, [DnsErrorCode, string]> = {
  badauth: ['ERR_DNS_AUTH', 'the username and password were refused'],
  '!donator': ['ERR_DNS_REJECTED', 'the update asked for a feature of paid accounts'],
  notfqdn: ['ERR_DNS_REJECTED', 'the host name is not fully qualified'],
  nohost: ['ERR_DNS_REJECTED', 'the host name does not exist in this account'],
  '!yours': ['ERR_DNS_REJECTED', 'the host name belongs to another account'],
  '!active': ['ERR_DNS_REJECTED', 'the host name is in a domain that is not activated'],
  numhost: ['ERR_DNS_REJECTED', 'too many or too few hosts'],
  abuse: ['ERR_DNS_REJECTED', 'the host name is blocked for update abuse'],
  badagent: ['ERR_DNS_REJECTED', 'the user agent or HTTP method was refused'],
  badsys: ['ERR_DNS_REJECTED', 'the system parameter was not valid'],
  dnserr: ['ERR_DNS_UNREACHABLE', 'the service had a DNS error'],
  '911': ['ERR_DNS_UNREACHABLE', 'the service has a problem or is in maintenance'],
};

/**
 * Reads a one-host answer. Success resolves with a description; every return code rejects with its
 * classification. `good 127.0.0.1` for another address is how Dyn answers a blocked user agent.
 */
export function parseDyndns2Answer(name: string, hostname: string, ip: string, body: string): string {
  const line = excerpt(body);
  const [status = '', answered] = line.split(/\s+/);
  if (status === 'good' || status === 'nochg') {
    if (status === 'good' && answered === '127.0.0.1' && ip !== '127.0.0.1') {
      throw new DnsUpdateError(
        name,
        'ERR_DNS_REJECTED',
        'good 127.0.0.1: the service ignored our user agent',
      );
    }
    return `${hostname} ${status === 'good' ? 'set to' : 'already at'} ${answered ?? ip} (${status})`;
  }
  const known = Object.hasOwn(RETURN_CODES, status) ? RETURN_CODES[status] : undefined;
  if (known) throw new DnsUpdateError(name, known[0], `${status}: ${known[1]}`);
  throw new DnsUpdateError(name, 'ERR_DNS_REJECTED', `unexpected answer ${JSON.stringify(line)}`);
}

export function createDyndns2(
  config: Dyndns2Config,
  secrets: Secrets,
  options: HttpProviderOptions = {},
): DnsProvider {
  const name = 'dyndns2';
  const password = secrets.require(name, config.passwordSecret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const authorization = `Basic ${Buffer.from(`${config.username}:${password}`).toString('base64')}`;
  return {
    name,
    target: config.hostname,
    async update(ip, signal) {
      requireIpv4(name, ip);
      const url = new URL(config.baseUrl);
      url.pathname = `${url.pathname.replace(/\/+$/, '')}${config.path}`;
      url.search = queryString([
        ['hostname', config.hostname],
        ['myip', ip],
      ]);
      const headers = { authorization, 'user-agent': DYNDNS2_USER_AGENT };
      const { statusCode, body } = await ddnsGet(name, url, { timeoutMs, headers, signal });
      // Quoted answers could only echo the password from a broken server; never let it through.
      const answer = redact(body, password);
      if (statusCode === 401 || statusCode === 403) {
        throw new DnsUpdateError(name, 'ERR_DNS_AUTH', `HTTP ${statusCode}: the credentials were refused`);
      }
      if (statusCode !== 200) {
        // Some services send their return code with a 4xx status; the code says more than the status.
        const status = excerpt(answer).split(/\s+/)[0];
        if (statusCode < 500 && Object.hasOwn(RETURN_CODES, status))
          parseDyndns2Answer(name, config.hostname, ip, answer);
        throw statusError(name, statusCode);
      }
      return parseDyndns2Answer(name, config.hostname, ip, answer);
    },
  };
}
