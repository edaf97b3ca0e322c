import type Router from '@koa/router';
import type { Context } from 'koa';
import type { FailureLimiter } from '../../auth/failure-limiter.js';
import { KeyGuard } from '../../auth/key-guard.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import type { DeviceEntry } from '../../mesh/device-entry.js';
import { mergePosted } from '../../mesh/device-entry.js';
import { type DeviceListFile, encodeDeviceList } from '../../mesh/device-list.js';
import type { NetworkKey } from '../../mesh/network-key.js';
import type { PeerState } from '../../mesh/peer-state.js';
import { validatePost } from '../../mesh/php-input.js';
import { parsePhpQuery } from '../../readings/php.js';
import { reply } from './solar-protocol.js';

/** The largest POST body read; a bigger one is refused with 413 before anything is written. */
export const MAX_POST_BYTES = 64 * 1024;

export const WRONG_KEY_BODY = 'Wrong API Key provided.';

export interface GossipDeps {
  deviceList: DeviceListFile;
  peerState?: PeerState;
  key: NetworkKey;
  limiter: FailureLimiter;
  log: Logger;
  /** Called after a valid POST was stored, with the stored entry and the client's address. */
  onPosted?(entry: DeviceEntry, addr: string): void;
}

function tooLarge(ctx: Context): never {
  return ctx.throw(413, `request body over ${MAX_POST_BYTES / 1024} KiB`, { code: 'ERR_BODY_TOO_LARGE' });
}

/** The raw request body as UTF-8 (invalid bytes become U+FFFD), or 413 past `MAX_POST_BYTES`. */
async function readBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_POST_BYTES) tooLarge(ctx);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The form fields as PHP's $_POST has them. Only a urlencoded body fills $_POST (the original
 * client sends `application/x-www-form-urlencoded`); its values may be un-encoded (raw spaces, `:`
 * and newlines), which `parsePhpQuery` takes as PHP does.
 */
async function postFields(ctx: Context): Promise<Map<string, string>> {
  if (Number(ctx.get('Content-Length') || 0) > MAX_POST_BYTES) tooLarge(ctx);
  if (!ctx.is('application/x-www-form-urlencoded')) return new Map();
  return parsePhpQuery(await readBody(ctx));
}

/**
 * `POST /api/v1/api.php`: a peer announces itself, wire-compatible with the original api.php
 * (body and file bytes), with these deliberate deviations: a wrong key is a 403 (same body), an
 * address with too many wrong keys gets 429, a body over 64 KiB 413, a bad field 400, and a corrupt
 * deviceList.json is moved aside instead of losing every entry.
 */
export function gossipRoutes(router: Router, deps: GossipDeps): void {
  const { deviceList, peerState, key, log } = deps;
  const guard = new KeyGuard(key, deps.limiter, 'network key');
  const refused = new LogThrottle(log);

  router.post('/api/v1/api.php', async (ctx) => {
    const addr = ctx.ip;
    await guard.refuseIfBlocked(addr);
    const fields = await postFields(ctx);

    if (!key.configured()) {
      refused.warn(
        'no-network-key',
        { addr },
        'api.php POST refused: no network key configured (network.key or network.keyHash)',
      );
      return reply(ctx, WRONG_KEY_BODY, 403);
    }
    if (!(await guard.check(addr, fields.get('api_key') ?? ''))) {
      refused.warn(
        'wrong-network-key',
        { addr, keyGiven: fields.has('api_key') },
        'api.php POST refused: wrong network key',
      );
      return reply(ctx, WRONG_KEY_BODY, 403);
    }

    const entry = validatePost(fields);
    const { after, wasEmpty } = await deviceList.update((list) => mergePosted(list, entry));
    log.info({ addr, mac: entry.mac, ip: entry.ip, peers: after.length }, 'api.php POST stored');
    reply(ctx, wasEmpty ? '' : encodeDeviceList(after));

    try {
      await peerState?.seen(entry.mac, 'gossip');
    } catch (error) {
      log.warn({ err: error, mac: entry.mac }, 'could not record the peer state');
    }
    try {
      deps.onPosted?.(entry, addr);
    } catch (error) {
      log.warn({ err: error, mac: entry.mac }, 'onPosted failed');
    }
  });
}
