import Router from '@koa/router';
import Koa from 'koa';
import { errorMiddleware } from '../../src/http/errors.js';

/**
 * A Koa app with the real error middleware and only the routes `mount` adds: how a test exercises one
 * group of routes through `app.callback()` (supertest), without the rest of the node.
 */
export function routeApp(mount: (router: Router, app: Koa) => void): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware);
  const router = new Router();
  mount(router, app);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
