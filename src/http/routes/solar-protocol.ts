import type Router from '@koa/router';
import type { Context } from 'koa';
import { parsePhpQuery } from '../../readings/php.js';
import type { SolarAnswers } from '../../readings/solar-answers.js';

const PHP_TYPE = 'text/html; charset=UTF-8';

/** Answers as the PHP endpoint does: 200, text/html, CORS open as the original Apache config has it. */
function reply(ctx: Context, body: string | Buffer): void {
  ctx.status = 200;
  // Set as a header before the body, so Koa neither looks the type up nor replaces it.
  ctx.set('Content-Type', PHP_TYPE);
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.body = body;
}

/**
 * The original public PV API, wire-compatible: `/api/v1/chargecontroller.php`,
 * `/api/v1/opendata.php`, `/api/v2/opendata.php` and the legacy `GET /api/v1/api.php?value=`.
 * Other methods get the empty 200 the PHP gives them (api.php's POST is the gossip handler).
 */
export function solarProtocolRoutes(router: Router, answers: SolarAnswers): void {
  const endpoints = [
    ['/api/v1/chargecontroller.php', 'chargecontroller', 1],
    ['/api/v1/opendata.php', 'opendata', 1],
    ['/api/v2/opendata.php', 'opendata', 2],
  ] as const;
  for (const [path, flavor, version] of endpoints) {
    router.get(path, (ctx) => reply(ctx, answers.answer(flavor, version, parsePhpQuery(ctx.querystring))));
    router.all(path, (ctx) => reply(ctx, ''));
  }
  router.get('/api/v1/api.php', (ctx) => {
    const value = parsePhpQuery(ctx.querystring).get('value');
    reply(ctx, value === undefined ? '' : answers.legacyValue(value));
  });
}
