import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from '../../log.js';
import type { DeviceEntry } from '../../mesh/device-entry.js';
import { mergePosted } from '../../mesh/device-entry.js';
import { type DeviceListFile, encodeDeviceList } from '../../mesh/device-list.js';
import type { NetworkKey } from '../../mesh/network-key.js';
import type { PeerState } from '../../mesh/peer-state.js';
import { validatePost } from '../../mesh/php-input.js';
import type { FailureLimiter } from '../../mesh/rate-limit.js';
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

/** Runs tasks for the same key one at a time; the map only holds keys with a task in flight. */
function perAddressQueue() {
  const tails = new Map<string, Promise<void>>();
  return <T>(addr: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(addr) ?? Promise.resolve()).then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(addr, tail);
    void tail.then(() => {
      if (tails.get(addr) === tail) tails.delete(addr);
    });
    return run;
  };
}

/**
 * `POST /api/v1/api.php`: a peer announces itself, wire-compatible with the original api.php
 * (body and file bytes), with these deliberate deviations: a wrong key is a 403 (same body), an
 * address with too many wrong keys gets 429, a body over 64 KiB 413, a bad field 400, and a corrupt
 * deviceList.json is moved aside instead of losing every entry.
 */
export function gossipRoutes(router: Router, deps: GossipDeps): void {
  const { deviceList, peerState, key, limiter, log } = deps;
  const oneAtATime = perAddressQueue();

  const refuseIfBlocked = (ctx: Context, addr: string): void => {
    const blocked = limiter.blocked(addr);
    if (!blocked) return;
    log.warn({ addr, retryAfter: blocked.retryAfterSeconds }, 'api.php POST: too many wrong keys');
    ctx.throw(429, 'too many wrong keys from this address; retry later', {
      code: 'ERR_RATE_LIMITED',
      headers: { 'Retry-After': String(blocked.retryAfterSeconds) },
    });
  };

  router.post('/api/v1/api.php', async (ctx) => {
    const addr = ctx.ip;
    refuseIfBlocked(ctx, addr);
    const fields = await postFields(ctx);

    if (!key.configured()) {
      log.warn({ addr }, 'api.php POST refused: no network key configured (network.key or network.keyHash)');
      return reply(ctx, WRONG_KEY_BODY, 403);
    }
    // Key checks from one address run one after the other, so parallel guesses cannot outrun the limiter.
    const verified = await oneAtATime(addr, async () => {
      refuseIfBlocked(ctx, addr);
      const ok = await key.verify(fields.get('api_key'));
      if (!ok) limiter.fail(addr);
      return ok;
    });
    if (!verified) {
      log.warn({ addr, keyGiven: fields.has('api_key') }, 'api.php POST refused: wrong network key');
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
