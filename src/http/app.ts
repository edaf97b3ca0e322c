import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';
import { requestMetrics } from '../metrics/request-stats.js';
import type { MetricsDeps } from '../metrics/sources.js';
import type { SolarAnswers } from '../readings/solar-answers.js';
import type { DashboardDeps } from './dashboard/model.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { errorMiddleware } from './errors.js';
import { HostNames, type OriginOptions, requestOrigin } from './request-origin.js';
import { apiDocsRoutes } from './routes/api-docs.js';
import { type ElectionDeps, electionRoutes } from './routes/election.js';
import { type GossipDeps, gossipRoutes } from './routes/gossip.js';
import { homeRoutes } from './routes/home.js';
import { type JobDeps, jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { type SiteDeps, siteRoutes } from './routes/site.js';
import { solarProtocolRoutes } from './routes/solar-protocol.js';
import { type NodeStatus, statusRoutes } from './routes/status.js';

export interface AppDeps extends JobDeps {
  answers: SolarAnswers;
  status: () => NodeStatus;
  log: Logger;
  /** The api.php POST handler; absent in apps that only serve readings. */
  gossip?: GossipDeps;
  /** The point-of-entry election's status endpoint. */
  election?: ElectionDeps;
  /** More routes (the seed systems' APIs), mounted after the node's own. */
  mount?: (router: Router) => void;
  /** This node's names and the proxies it trusts (default: no extra name, no proxy). */
  origin?: OriginOptions;
  /** The website (`site.dir`) and the steward's `/local/`: the fallback for GETs no route took. */
  site?: SiteDeps;
  /** `/dashboard` (and `/` while no site is served; `/` is home.ts's page without it). */
  dashboard?: DashboardDeps;
  /** `GET /metrics` and the request stats it shows (config `metrics`); absent: no metrics. */
  metrics?: MetricsDeps;
}

/** Builds the HTTP API. Only `serve` listens; tests call `app.callback()`. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.silent = true;
  // Callers can repeat any request at will: every line below is bounded by a LogThrottle.
  const throttle = new LogThrottle(deps.log);
  const route = (ctx?: Koa.Context) => (ctx as { _matchedRoute?: string } | undefined)?._matchedRoute ?? '-';
  app.on('error', (error: unknown, ctx?: Koa.Context) => {
    const name = (error as Error | undefined)?.name ?? 'Error';
    throttle.error(`fault:${route(ctx)}:${name}`, { err: error, path: ctx?.path }, 'request failed');
  });
  app.on('refused', (error: { status?: number; code?: string; message?: string }, ctx: Koa.Context) => {
    const fields = {
      status: ctx.status,
      code: error.code,
      path: ctx.path,
      addr: ctx.ip,
      reason: error.message,
    };
    throttle.warn(`refused:${ctx.status}:${error.code}:${route(ctx)}`, fields, 'request refused');
  });
  // Outside the error middleware: it counts the status the client gets, by matched route pattern.
  if (deps.metrics) app.use(requestMetrics(deps.metrics.requests));
  app.use(errorMiddleware);
  app.use(requestOrigin(deps.origin ?? { hostNames: new HostNames([]), trustedProxies: [] }));

  const router = new Router();
  solarProtocolRoutes(router, deps.answers);
  statusRoutes(router, deps.status);
  if (deps.dashboard)
    dashboardRoutes(router, { ...deps.dashboard, serveRoot: () => deps.site?.dir === undefined });
  else if (deps.site?.dir === undefined) homeRoutes(router, deps.status);
  jobRoutes(router, deps);
  if (deps.gossip) gossipRoutes(router, deps.gossip);
  if (deps.election) electionRoutes(router, deps.election);
  if (deps.metrics) metricsRoutes(router, deps.metrics);
  deps.mount?.(router);
  // Last: /openapi.json documents every route registered above.
  apiDocsRoutes(router);
  app.use(router.routes());
  app.use(router.allowedMethods());
  if (deps.site) app.use(siteRoutes(deps.site));
  return app;
}
