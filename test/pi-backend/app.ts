import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Koa from 'koa';
import { AdminKey } from '../../src/http/admin-auth.js';
import { piBackendRoutes } from '../../src/http/routes/pi-backend.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { piBackendConfigSchema } from '../../src/pi-backend/config.js';
import { createPiBackend, type PiBackend } from '../../src/pi-backend/index.js';
import type { Coordinates } from '../../src/pi-backend/open-meteo.js';
import { routeApp } from '../helpers/route-app.js';

export const ADMIN_KEY = 'admin-key-for-tests';

export interface PiBackendTestApp {
  app: Koa;
  backend: PiBackend;
  dir: string;
}

/** The pi_backend routes on a fresh data directory; upstreams point wherever the test says. */
export function piBackendApp(
  options: {
    upstreams?: Record<string, string>;
    gnssFix?: () => Promise<Coordinates | undefined>;
    defaultLocation?: string;
    timeoutMs?: number;
    log?: Logger;
    dir?: string;
    /** null: the node has no admin key configured. */
    adminKey?: string | null;
  } = {},
): PiBackendTestApp {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'pimesh-pib-'));
  const config = piBackendConfigSchema.parse({
    // Nothing in a test may reach the real services: unset upstreams point at a closed local port.
    upstreams: {
      geocoding: 'http://127.0.0.1:9',
      forecast: 'http://127.0.0.1:9',
      airQuality: 'http://127.0.0.1:9',
      climate: 'http://127.0.0.1:9',
      openWeather: 'http://127.0.0.1:9',
      ...options.upstreams,
    },
    defaultLocation: options.defaultLocation,
    timeoutMs: options.timeoutMs ?? 2000,
  });
  const backend = createPiBackend(config, {
    dataDir: dir,
    adminKey: new AdminKey(options.adminKey === null ? {} : { key: options.adminKey ?? ADMIN_KEY }),
    log: options.log ?? silentLogger(),
    gnssFix: options.gnssFix,
  });
  const app = routeApp((router) => piBackendRoutes(router, backend));
  return { app, backend, dir };
}
