import type { SpGatewayConfig } from './config.js';
import {
  DEFAULT_TIMEOUT_MS,
  ddnsGet,
  excerpt,
  type HttpProviderOptions,
  parseNamecheapAnswer,
  queryString,
  redact,
  requireIpv4,
  statusError,
} from './namecheap.js';
import { type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

/**
 * The request URL: the query goes on the gateway's directory (`…/`), where index.php answers; a URL
 * ending in a file (`…/index.php`) is kept as it is.
 */
export function gatewayUrl(base: string, query: string): URL {
  const url = new URL(base);
  if (!url.pathname.endsWith('/') && !/\.php$/i.test(url.pathname)) url.pathname += '/';
  url.search = query;
  return url;
}

export function createSpGateway(
  config: SpGatewayConfig,
  secrets: Secrets,
  options: HttpProviderOptions = {},
): DnsProvider {
  const name = 'sp-gateway';
  const key = secrets.require(name, config.keySecret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    name,
    target: config.target,
    async update(ip, signal) {
      requireIpv4(name, ip);
      const url = gatewayUrl(
        config.url,
        queryString([
          ['ip', ip],
          ['key', key],
        ]),
      );
      const { statusCode, body } = await ddnsGet(name, url, { timeoutMs, signal });
      if (statusCode !== 200) throw statusError(name, statusCode);
      if (body.trim() === 'api key not verified') {
        throw new DnsUpdateError(name, 'ERR_DNS_AUTH', `the gateway ${url.host} did not verify our key`);
      }
      const answer = parseNamecheapAnswer(body);
      if (answer?.errCount === 0) return `${config.target} set to ${answer.ip ?? ip} via ${url.host}`;
      // A Namecheap error here is about the gateway's own password or domain, not our key: REJECTED.
      const text = answer
        ? `Namecheap answered ${answer.errors.join('; ') || `ErrCount ${answer.errCount}`}`
        : `unexpected answer ${JSON.stringify(excerpt(body))}`;
      throw new DnsUpdateError(name, 'ERR_DNS_REJECTED', `the gateway ${url.host}: ${redact(text, key)}`);
    },
  };
}
