import type Router from '@koa/router';
import type { Context } from 'koa';
import { InputError } from '../../errors.js';
import { ENABLE_MESSAGE, flightModeBody } from '../../hardware/lte/api-schemas.js';
import type { LteConfig } from '../../hardware/lte/config.js';
import type { LteControl } from '../../hardware/lte/control.js';
import type { LteModems } from '../../hardware/lte/modem.js';
import { type AdminKey, requireAdmin } from '../admin-auth.js';
import { flatErrorMiddleware } from '../errors.js';
import { readJsonObject } from '../json-body.js';
import { parseInput } from '../validate.js';

export interface LteDeps {
  config: Pick<LteConfig, 'defaultPort' | 'allowedPorts'>;
  modems: LteModems;
  control: LteControl;
  adminKey: AdminKey;
}

/** Bodies of the control POSTs are one small JSON object. */
export const MAX_BODY_BYTES = 1024;

/** `{"enable": true|false}`; anything else (bad JSON, no key, not a boolean) is pi_backend's 400. */
async function enableFlag(ctx: Context): Promise<boolean> {
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(ctx, MAX_BODY_BYTES, '{"enable": true}');
  } catch (error) {
    if (error instanceof InputError && error.status === 413) throw error;
    throw new InputError(ENABLE_MESSAGE);
  }
  return parseInput(flightModeBody, body).enable;
}

/** `?port=`: the default port when absent; otherwise it must be the default or an allowed port. */
function chosenPort(ctx: Context, config: LteDeps['config']): string {
  const port = ctx.query.port;
  if (port === undefined) return config.defaultPort;
  const allowed = [config.defaultPort, ...config.allowedPorts];
  if (typeof port !== 'string' || !allowed.includes(port)) {
    throw new InputError(`port must be one of ${[...new Set(allowed)].join(', ')}`);
  }
  return port;
}

/**
 * pi_backend's LTE endpoints. The status is public; whatever drives the modem needs the admin key.
 * Errors are pi_backend's flat `{"error": "...", "code": "..."}`; a missing modem or GPIO is a 503
 * naming it.
 */
export function lteRoutes(router: Router, deps: LteDeps): void {
  const admin = requireAdmin(deps.adminKey);

  router.get('/api/hardware/lte/status', flatErrorMiddleware, async (ctx: Context) => {
    const port = chosenPort(ctx, deps.config);
    ctx.body = await deps.modems.get(port).status();
  });

  router.post('/api/hardware/lte/power-cycle', flatErrorMiddleware, admin, async (ctx: Context) => {
    ctx.body = { success: true, ...(await deps.control.powerCycle()) };
  });

  router.post('/api/hardware/lte/flight-mode', flatErrorMiddleware, admin, async (ctx: Context) => {
    const enable = await enableFlag(ctx);
    await deps.control.setFlightMode(enable);
    ctx.body = { success: true, message: `Flight mode set to ${enable ? 'True' : 'False'}.` };
  });
}
