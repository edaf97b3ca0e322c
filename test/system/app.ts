import type Koa from 'koa';
import { type SystemMonitorDeps, systemMonitorRoutes } from '../../src/http/routes/system-monitor.js';
import type { SystemSource } from '../../src/system/collector.js';
import { systemMonitorConfigSchema } from '../../src/system/config.js';
import { routeApp } from '../helpers/route-app.js';

type ConfigInput = Parameters<typeof systemMonitorConfigSchema.parse>[0];

/** The system monitor routes alone, as the daemon mounts them, on a Koa app for supertest. */
export function monitorApp(
  source: SystemSource,
  options: { config?: ConfigInput } & Partial<Omit<SystemMonitorDeps, 'config' | 'source'>> = {},
): { app: Koa; handler: ReturnType<Koa['callback']> } {
  const { config, ...rest } = options;
  const app = routeApp((router) =>
    systemMonitorRoutes(router, {
      config: systemMonitorConfigSchema.parse(config ?? {}),
      source,
      server: { port: 8080, host: '0.0.0.0', logLevel: 'info' },
      version: '0.1.0-test',
      ...rest,
    }),
  );
  return { app, handler: app.callback() };
}

/** Config with the rate limit off, for tests that send many requests about something else. */
export const UNLIMITED = { rateLimit: { enabled: false } };
