import type Router from '@koa/router';
import type { Context } from 'koa';
import type { SenseHatReading } from '../../hardware/sensehat/sense-hat.js';
import { flatErrorMiddleware } from '../errors.js';

export interface SenseHatDeps {
  /** SenseHat.read(): a 503 with pi_backend's message when no Sense HAT chip can be read. */
  read: () => Promise<SenseHatReading>;
}

/** `GET /api/hardware/sensehat`: pi_backend's Sense HAT reading; public, errors in its flat shape. */
export function senseHatRoutes(router: Router, deps: SenseHatDeps): void {
  router.get('/api/hardware/sensehat', flatErrorMiddleware, async (ctx: Context) => {
    ctx.body = await deps.read();
  });
}
