/**
 * `GET /openapi.json` (OpenAPI 3.1 of the routes this app registered) and `GET /docs` (Swagger UI,
 * served from the swagger-ui-dist package on this machine: no CDN). Nothing of either is loaded at
 * start-up: the catalog on the first /openapi.json, the Swagger UI files are streamed from
 * node_modules per request (with an ETag), never held in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { PimeshError } from '../../errors.js';

/** The Swagger UI files /docs needs, by the name it asks for. */
const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pimesh API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<noscript><p>This page needs JavaScript; <a href="/api/system">/api/system</a> lists every endpoint without it,
and <a href="/openapi.json">/openapi.json</a> is the document.</p></noscript>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Only this machine's files; Swagger UI sets inline styles and shows data: images. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'";

const etagOf = (text: string) => `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;

let swaggerDir: string | undefined;
/** Where swagger-ui-dist is installed (resolved on the first request). */
function swaggerFile(name: string): string {
  swaggerDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return join(swaggerDir, name);
}

/** A small text answer with an ETag: 304 when the client has it. */
function cached(ctx: Context, type: string, body: string, etag: string, maxAge: number): void {
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.type = type;
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = body;
}

export function apiDocsRoutes(router: Router): void {
  router.get('/openapi.json', async (ctx) => {
    const { documentOf } = await import('../openapi/serve.js');
    const { json, etag } = documentOf(router);
    cached(ctx, 'application/json; charset=utf-8', json, etag, 0);
  });

  router.get('/docs', (ctx) => {
    ctx.set('Content-Security-Policy', CSP);
    cached(ctx, 'text/html; charset=utf-8', PAGE, etagOf(PAGE), 0);
  });

  router.get('/docs/:file', async (ctx) => {
    const name = ctx.params.file as string;
    if (name === 'init.js') {
      cached(ctx, 'text/javascript; charset=utf-8', INIT_SCRIPT, etagOf(INIT_SCRIPT), 3600);
      return;
    }
    const type = Object.hasOwn(SWAGGER_FILES, name) ? SWAGGER_FILES[name] : undefined;
    if (!type) throw new PimeshError(`no such file: /docs/${name}`, { code: 'ERR_NOT_FOUND', status: 404 });
    const path = swaggerFile(name);
    const info = await stat(path);
    ctx.set('ETag', `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`);
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = type;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.length = info.size;
    ctx.body = createReadStream(path);
  });
}
