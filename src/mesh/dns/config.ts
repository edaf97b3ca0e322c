/**
 * The `dns` section of the config: every provider's settings and the ones they share. A leaf file
 * (zod only), so the config validates without loading the providers.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { TsigAlgorithm } from './tsig.js';

// --- namecheap ---
export const namecheapConfigSchema = z.strictObject({
  provider: z.literal('namecheap'),
  /** The registered domain, e.g. solarprotocol.net. */
  domain: z
    .string()
    .regex(
      /^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{2,63}$/,
      'must be a domain name like example.org',
    ),
  /** The host within the domain: `@` for the domain itself, `*` for the wildcard, or a label like `www`. */
  host: z
    .string()
    .regex(/^(@|\*|[A-Za-z0-9_*-]+(\.[A-Za-z0-9_-]+)*)$/, 'must be @, * or a host label like www')
    .default('@'),
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://dynamicdns.park-your-domain.com'),
  /** The secrets-file key holding the Dynamic DNS password (the original `.spenv` DNS_KEY). */
  passwordSecret: z.string().min(1).default('DNS_KEY'),
});
export type NamecheapConfig = z.output<typeof namecheapConfigSchema>;

// --- sp-gateway ---
export const spGatewayConfigSchema = z.strictObject({
  provider: z.literal('sp-gateway'),
  /** The gateway's URL, e.g. https://server.solarpowerforartists.com/ (no default: it is an internet host). */
  url: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the DNS gateway' }),
  /** The secrets-file key holding this node's gateway key (the original `.spenv` DNS_KEY). */
  keySecret: z.string().min(1).default('DNS_KEY'),
  /** The name the gateway updates, for logs and status (the gateway decides it, not the node). */
  target: z.string().min(1).default('@.solarprotocol.net'),
});
export type SpGatewayConfig = z.output<typeof spGatewayConfigSchema>;

// --- rfc2136 ---
const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();

const isDomainName = (s: string) =>
  bare(s).length <= 253 &&
  bare(s)
    .split('.')
    .every((l) => LABEL.test(l));
const domainName = z.string({ error: 'must be a domain name' }).refine(isDomainName, {
  error: 'must be a domain name such as poe.example.org (letters, digits, "-" and "_" between dots)',
});

export const rfc2136ConfigSchema = z
  .strictObject({
    provider: z.literal('rfc2136'),
    /** The zone's primary server: host name or IP address. */
    server: z.string().min(1, 'must be the host name or IP address of the zone primary'),
    port: z.number().int().min(1).max(65535).default(53),
    /** The zone to update (trailing dot optional). */
    zone: domainName,
    /** The record to point at the node's address; must lie inside `zone`. */
    name: domainName,
    ttl: z.number().int().min(0).max(2147483647).default(60),
    /** The TSIG key's name as the server knows it (e.g. `ddns-key`). */
    keyName: domainName,
    algorithm: z
      .enum(['hmac-sha256', 'hmac-sha512', 'hmac-sha1'] satisfies TsigAlgorithm[], {
        error: 'must be hmac-sha256, hmac-sha512 or hmac-sha1',
      })
      .default('hmac-sha256'),
    /** The key in the secrets file holding the base64 TSIG secret. */
    secretName: z.string().min(1).default('TSIG_SECRET'),
    transport: z.enum(['tcp', 'udp'], { error: 'must be "tcp" or "udp"' }).default('tcp'),
    timeoutMs: z.number().int().positive().default(5000),
  })
  .refine((c) => bare(c.name) === bare(c.zone) || bare(c.name).endsWith(`.${bare(c.zone)}`), {
    path: ['name'],
    error: (issue) => {
      const zone = bare((issue.input as { zone: string }).zone);
      return `must be inside the zone "${zone}" (e.g. host.${zone})`;
    },
  });

export type Rfc2136Config = z.output<typeof rfc2136ConfigSchema>;

// --- dyndns2 ---
export const dyndns2ConfigSchema = z.strictObject({
  provider: z.literal('dyndns2'),
  /** The service's update server, e.g. https://members.dyndns.org or https://dynupdate.no-ip.com. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the update server' }),
  /** The update script's path (ddclient's `script`). */
  path: z
    .string()
    .regex(/^\/[^?#]*$/, 'must be a path starting with /')
    .default('/nic/update'),
  /** The fully qualified name to update. */
  hostname: z
    .string()
    .regex(
      /^(?=.{1,253}$)([A-Za-z0-9_-]{1,63}\.)+[A-Za-z0-9-]{2,63}$/,
      'must be a fully qualified host name',
    ),
  username: z.string().regex(/^[^:]+$/, 'must be a non-empty user name without ":"'),
  /** The secrets-file key holding the password (or the service's update token). */
  passwordSecret: z.string().min(1).default('DYNDNS_PASSWORD'),
});
export type Dyndns2Config = z.output<typeof dyndns2ConfigSchema>;

// --- cloudflare ---
const identifier = z.string().regex(/^[0-9a-f]{32}$/i, 'must be a 32-character Cloudflare identifier');

export const cloudflareConfigSchema = z.strictObject({
  provider: z.literal('cloudflare'),
  /** The zone's ID (dashboard → the domain → Overview → API). */
  zoneId: identifier,
  /** The A record's full name, e.g. poe.example.org. */
  recordName: z
    .string()
    .regex(/^(?=.{1,253}$)([A-Za-z0-9_*-]{1,63}\.)+[A-Za-z0-9-]{2,63}$/, 'must be a fully qualified name'),
  /** The record's ID, to skip the lookup (and to choose when several A records share the name). */
  recordId: identifier.optional(),
  /** Seconds, or 1 for Cloudflare's "automatic". */
  ttl: z
    .number()
    .int()
    .refine((ttl) => ttl === 1 || (ttl >= 30 && ttl <= 86400), 'must be 1 (automatic) or 30-86400 seconds')
    .default(1),
  proxied: z.boolean().default(false),
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.cloudflare.com/client/v4'),
  /** The secrets-file key holding the API token. */
  tokenSecret: z.string().min(1).default('CLOUDFLARE_API_TOKEN'),
});
export type CloudflareConfig = z.output<typeof cloudflareConfigSchema>;

// --- command ---
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const commandConfigSchema = z.strictObject({
  provider: z.literal('command'),
  /** Absolute path of the executable. */
  path: z.string().refine(isAbsolute, 'must be an absolute path to an executable'),
  args: z.array(z.string()).default([]),
  /** The name the command updates: PIMESH_DNS_TARGET, and the name in logs and status. */
  target: z.string().min(1),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Secrets-file keys passed to the command as environment variables of the same name. */
  passSecrets: z.array(z.string().regex(envName, 'must be an environment variable name')).default([]),
});
export type CommandConfig = z.output<typeof commandConfigSchema>;

// --- the section: one provider, and what every provider shares ---
const common = {
  /** `KEY=value` file holding the provider's secret (mode 0600); the original's .spenv works as is. */
  secretsFile: z.string().min(1).optional(),
  /** At most one update per this many seconds. */
  minIntervalSeconds: z.number().min(0).default(300),
  /** Retries after a transient failure, with exponential backoff from 1 s. */
  retries: z.number().int().min(0).max(10).default(3),
};

export const dnsConfigSchema = z.discriminatedUnion(
  'provider',
  [
    namecheapConfigSchema.extend(common),
    spGatewayConfigSchema.extend(common),
    rfc2136ConfigSchema.extend(common),
    dyndns2ConfigSchema.extend(common),
    cloudflareConfigSchema.extend(common),
    commandConfigSchema.extend(common),
  ],
  { error: 'provider must be one of namecheap, sp-gateway, rfc2136, dyndns2, cloudflare, command' },
);
export type DnsConfig = z.output<typeof dnsConfigSchema>;

/** The public name the provider points at the point of entry (peers and browsers use it as Host). */
export function dnsPublicName(dns: DnsConfig): string | undefined {
  const at = (host: string, domain: string) => (host === '@' ? domain : `${host}.${domain}`);
  switch (dns.provider) {
    case 'namecheap':
      return dns.host === '*' ? undefined : at(dns.host, dns.domain);
    case 'sp-gateway':
      return dns.target.replace(/^@\./, '');
    case 'rfc2136':
      return dns.name.replace(/\.$/, '');
    case 'dyndns2':
      return dns.hostname;
    case 'cloudflare':
      return dns.recordName;
    case 'command':
      return dns.target;
  }
}
