import type Router from '@koa/router';
import type { Context } from 'koa';
import { FailureLimiter } from '../../auth/failure-limiter.js';
import { KeyGuard } from '../../auth/key-guard.js';
import { SecretKey } from '../../auth/secret-key.js';
import { PimeshError } from '../../errors.js';
import type { MetricsRegistry } from '../../metrics/registry.js';
import type { MetricsDeps } from '../../metrics/sources.js';

/** A scrape without the configured bearer token, or with another one: 401. */
export class MetricsTokenError extends PimeshError {
  readonly headers = { 'WWW-Authenticate': 'Bearer realm="pimesh metrics"' };

  constructor(reason: 'missing' | 'wrong') {
    super(
      reason === 'missing'
        ? '/metrics needs Authorization: Bearer <metrics.token>'
        : 'wrong metrics token (metrics.token / PIMESH_METRICS_TOKEN)',
      { code: 'ERR_METRICS_TOKEN', status: 401 },
    );
  }
}

const bearer = (ctx: Context) => /^Bearer +(\S+) *$/i.exec(ctx.get('Authorization'))?.[1];

/**
 * `GET /metrics`: the Prometheus text format. prom-client (about 10 MB of RSS once loaded) is loaded
 * by the first scrape, so a node nobody scrapes never holds it. With `metrics.token` set, the token
 * is compared in constant time and wrong ones count against the address like wrong keys (429 after
 * ten a minute); a missing one is a plain 401.
 */
export function metricsRoutes(router: Router, deps: MetricsDeps, limiter?: FailureLimiter): void {
  const token = deps.config.token;
  const guard =
    token && new KeyGuard(new SecretKey({ key: token }), limiter ?? new FailureLimiter(), 'metrics token');
  let registry: Promise<MetricsRegistry> | undefined;
  const load = () => {
    registry ??= import('../../metrics/registry.js').then(
      ({ MetricsRegistry }) => new MetricsRegistry(deps.sources, deps.requests),
      (error: unknown) => {
        registry = undefined;
        throw error;
      },
    );
    return registry;
  };

  router.get('/metrics', async (ctx) => {
    if (guard) {
      const given = bearer(ctx);
      if (given === undefined) {
        await guard.refuseIfBlocked(ctx.ip);
        throw new MetricsTokenError('missing');
      }
      if (!(await guard.check(ctx.ip, given))) throw new MetricsTokenError('wrong');
    }
    const metrics = await load();
    ctx.body = await metrics.text();
    ctx.set('Content-Type', metrics.contentType);
    ctx.set('Cache-Control', 'no-store');
  });
}
