import type Router from '@koa/router';
import type { Context } from 'koa';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export interface JobDeps {
  sample: () => Promise<{ at: Date; file: string; row: string; simulated: boolean }>;
}

/**
 * `POST /api/jobs/<name>`: how a one-shot (`pimesh log-sample` from cron) asks the running daemon,
 * which holds the serial port, to run a job. Only from this machine.
 */
export function jobRoutes(router: Router, deps: JobDeps): void {
  router.post('/api/jobs/log-sample', async (ctx: Context) => {
    const { remoteAddress, localAddress } = ctx.req.socket;
    const local =
      LOOPBACK.test(remoteAddress ?? '') || (remoteAddress !== undefined && remoteAddress === localAddress);
    ctx.assert(local, 403, 'jobs can only be started from this machine');
    ctx.body = await deps.sample();
  });
}
