import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { errorMiddleware } from '../../src/http/errors.js';
import { gossipRoutes } from '../../src/http/routes/gossip.js';
import { silentLogger } from '../../src/log.js';
import { DeviceListFile } from '../../src/mesh/device-list.js';
import { NetworkKey, type NetworkKeyOptions } from '../../src/mesh/network-key.js';
import { PeerState } from '../../src/mesh/peer-state.js';
import { FailureLimiter } from '../../src/auth/failure-limiter.js';

export const KEY = 'testkey';

/** A Python-client style body, built by concatenation without URL-encoding (§5). */
export function rawBody(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export interface PostAppOptions {
  /** deviceList.json's initial content; undefined = no file. */
  content?: string;
  key?: NetworkKeyOptions;
  /** A ready NetworkKey (e.g. one that counts its calls); wins over `key`. */
  networkKey?: NetworkKey;
  limiter?: FailureLimiter;
}

/** A Koa app with only the api.php POST route over a fresh temp peers directory; trusts X-Forwarded-For. */
export function postApp(options: PostAppOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peers-'));
  const file = join(dir, 'deviceList.json');
  if (options.content !== undefined) writeFileSync(file, options.content);
  const log = silentLogger();
  const deviceList = new DeviceListFile({ dir, log });
  const peerState = new PeerState({ dir, log });
  const posted: string[] = [];
  const app = new Koa();
  app.proxy = true;
  app.silent = true;
  app.use(errorMiddleware);
  const router = new Router();
  gossipRoutes(router, {
    deviceList,
    peerState,
    key: options.networkKey ?? new NetworkKey(options.key ?? { key: KEY }),
    limiter: options.limiter ?? new FailureLimiter(),
    log,
    onPosted: (entry) => posted.push(entry.mac),
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return {
    server: app.callback(),
    dir,
    file,
    deviceList,
    peerState,
    posted,
    read: () => readFileSync(file, 'utf8'),
    files: () => readdirSync(dir).sort(),
  };
}
