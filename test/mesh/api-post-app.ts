import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { FailureLimiter } from '../../src/auth/failure-limiter.js';
import { errorMiddleware } from '../../src/http/errors.js';
import { HostNames, requestOrigin } from '../../src/http/request-origin.js';
import { gossipRoutes } from '../../src/http/routes/gossip.js';
import { silentLogger } from '../../src/log.js';
import { DeviceListFile } from '../../src/mesh/device-list.js';
import { NetworkKey, type NetworkKeyOptions } from '../../src/mesh/network-key.js';
import { PeerState } from '../../src/mesh/peer-state.js';

export const KEY = 'testkey';

/** One valid announcement's fields besides the key. */
export const FIELDS = {
  stamp: '1612345678.123',
  ip: '1.2.3.4',
  mac: 'b8:27:eb:00:00:01',
  name: 'One',
  tz: 'UTC',
  log: 'a',
};

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
  /** Names besides addresses and localhost that state-changing requests may carry as Host. */
  hostNames?: string[];
}

/**
 * A Koa app with only the api.php POST route over a fresh temp peers directory, behind the node's own
 * request-origin middleware, trusting X-Forwarded-For from loopback (supertest's connections).
 */
export function postApp(options: PostAppOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peers-'));
  const file = join(dir, 'deviceList.json');
  if (options.content !== undefined) writeFileSync(file, options.content);
  const log = silentLogger();
  const deviceList = new DeviceListFile({ dir, log });
  const peerState = new PeerState({ dir, log });
  const posted: string[] = [];
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware);
  app.use(
    requestOrigin({
      hostNames: new HostNames(options.hostNames ?? []),
      trustedProxies: ['127.0.0.1', '::1'],
    }),
  );
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
