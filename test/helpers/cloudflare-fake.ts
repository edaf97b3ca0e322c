/**
 * A local stand-in for Cloudflare's API v4 DNS records endpoints, on 127.0.0.1: checks every request as
 * the API documents it (Bearer token, path, query, JSON body) and answers with v4 envelopes.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { ExecutionContext } from 'ava';
import { checkQuery, startFake } from './dns-http-fakes.js';

export interface CloudflareRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  [key: string]: unknown;
}

/** A DNS record as Cloudflare answers it. */
export function cloudflareRecord(
  zoneId: string,
  zoneName: string,
  fields: Partial<CloudflareRecord>,
): CloudflareRecord {
  const now = new Date().toISOString();
  return {
    id: randomBytes(16).toString('hex'),
    zone_id: zoneId,
    zone_name: zoneName,
    type: 'A',
    name: zoneName,
    content: '192.0.2.1',
    proxiable: true,
    proxied: false,
    ttl: 1,
    settings: {},
    meta: {},
    comment: null,
    tags: [],
    created_on: now,
    modified_on: now,
    ...fields,
  };
}

const BODY_KEYS = ['type', 'name', 'content', 'ttl', 'proxied'];

/**
 * api.cloudflare.com/client/v4 for one zone: list, create and edit DNS records with a Bearer token.
 * `origin` + `/client/v4` is the provider's baseUrl.
 */
export async function cloudflareFake(
  t: ExecutionContext,
  options: { zoneId: string; zoneName: string; token: string; records?: CloudflareRecord[] },
) {
  const records = options.records ?? [];
  const prefix = `/client/v4/zones/${options.zoneId}/dns_records`;
  const fake = await startFake(t, (req, res, problem) => {
    const reply = (status: number, envelope: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(envelope));
    const ok = (result: unknown, extra: object = {}) =>
      reply(200, { success: true, errors: [], messages: [], result, ...extra });
    const fail = (status: number, ...errors: object[]) =>
      reply(status, { success: false, errors, messages: [], result: null });
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) {
      fail(400, {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
      });
      return problem('no Bearer token');
    }
    if (auth !== `Bearer ${options.token}`) return fail(403, { code: 9109, message: 'Invalid access token' });
    if (!req.path.startsWith(prefix)) {
      return fail(400, {
        code: 7003,
        message: `Could not route to ${req.path}, perhaps your object identifier is invalid?`,
      });
    }
    const id = req.path.slice(prefix.length).replace(/^\//, '');
    if (req.method === 'GET' && id === '') {
      if (!checkQuery(req.query, ['type', 'name'], problem)) return;
      const found = records.filter(
        (r) => r.type === req.query.get('type') && r.name === req.query.get('name'),
      );
      return ok(found, {
        result_info: {
          page: 1,
          per_page: 100,
          count: found.length,
          total_count: found.length,
          total_pages: 1,
        },
      });
    }
    if ((req.method === 'POST' && id === '') || (req.method === 'PATCH' && id !== '')) {
      if ([...req.query.keys()].length > 0) return problem(`${req.method} with a query string`);
      if (req.headers['content-type'] !== 'application/json')
        return problem(`Content-Type ${req.headers['content-type']}`);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body);
      } catch {
        return problem('body is not JSON');
      }
      const keys = Object.keys(body).sort();
      if (keys.join() !== [...BODY_KEYS].sort().join()) return problem(`body keys ${keys.join()}`);
      const { type, name, content, ttl, proxied } = body;
      if (
        type !== 'A' ||
        typeof name !== 'string' ||
        typeof content !== 'string' ||
        typeof proxied !== 'boolean'
      ) {
        return problem(`body types ${JSON.stringify(body)}`);
      }
      if (typeof ttl !== 'number' || !(ttl === 1 || (ttl >= 30 && ttl <= 86400)))
        return problem(`ttl ${ttl}`);
      if (!isIPv4(content))
        return fail(400, { code: 9005, message: 'Content for A record must be a valid IPv4 address.' });
      if (name !== options.zoneName && !name.endsWith(`.${options.zoneName}`)) {
        return fail(400, {
          code: 1004,
          message: 'DNS Validation Error',
          error_chain: [{ code: 9007, message: `${name} is not in zone ${options.zoneName}` }],
        });
      }
      if (req.method === 'POST') {
        const record = cloudflareRecord(options.zoneId, options.zoneName, { name, content, ttl, proxied });
        records.push(record);
        return ok(record);
      }
      const record = records.find((r) => r.id === id);
      if (!record) return fail(404, { code: 81044, message: 'Record does not exist.' });
      Object.assign(record, { name, content, ttl, proxied, modified_on: new Date().toISOString() });
      return ok(record);
    }
    problem(`${req.method} ${req.path} is not a DNS records call`);
  });
  return { ...fake, records, baseUrl: `${fake.origin}/client/v4` };
}
