import type Router from '@koa/router';
import type { Context } from 'koa';
import { LatestAnswers } from '../../readings/latest-answers.js';
import { parsePhpQuery } from '../../readings/php.js';
import type { SolarAnswers } from '../../readings/solar-answers.js';

export const PHP_TYPE = 'text/html; charset=UTF-8';

/** Answers as the PHP endpoint does: 200, text/html, CORS open as the original Apache config has it. */
export function reply(ctx: Context, body: string | Buffer, status = 200): void {
  ctx.status = status;
  // Set as a header before the body, so Koa neither looks the type up nor replaces it.
  ctx.set('Content-Type', PHP_TYPE);
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.body = body;
}

/** The GET answers of the original PHP endpoints, by path: each takes the raw query string. */
export function phpEndpoints(answers: SolarAnswers): Map<string, (query: string) => string | Buffer> {
  const endpoints = new Map<string, (query: string) => string | Buffer>();
  const flavors = [
    ['/api/v1/chargecontroller.php', 'chargecontroller', 1],
    ['/api/v1/opendata.php', 'opendata', 1],
    ['/api/v2/opendata.php', 'opendata', 2],
  ] as const;
  const latest = new LatestAnswers(answers);
  for (const [path, flavor, version] of flavors) {
    endpoints.set(path, (query) => latest.answer(flavor, version, query));
  }
  endpoints.set('/api/v1/api.php', (query) => {
    const value = parsePhpQuery(query).get('value');
    return value === undefined ? '' : answers.legacyValue(value);
  });
  return endpoints;
}

/**
 * The original public PV API, wire-compatible: `/api/v1/chargecontroller.php`,
 * `/api/v1/opendata.php`, `/api/v2/opendata.php` and the legacy `GET /api/v1/api.php?value=`.
 * Other methods get the empty 200 the PHP gives them (api.php's POST is the gossip handler).
 * `createHandler` answers the same GETs before Koa; these routes serve errors and other methods.
 */
export function solarProtocolRoutes(router: Router, answers: SolarAnswers): void {
  for (const [path, answer] of phpEndpoints(answers)) {
    router.get(path, (ctx) => reply(ctx, answer(ctx.querystring)));
    if (path !== '/api/v1/api.php') router.all(path, (ctx) => reply(ctx, ''));
  }
}
