import type Router from '@koa/router';
import type { Context } from 'koa';
import { fromThisMachine } from '../request-origin.js';

export interface JobDeps {
  sample: () => Promise<{ at: Date; file: string; row: string; simulated: boolean }>;
  /** One gossip round; absent when the node cannot post (no plain network key). */
  postIp?: () => Promise<unknown>;
  /** Re-check our own address and announce a change at once. */
  checkIp?: () => Promise<unknown>;
  /** One point-of-entry election round. */
  elect?: () => Promise<unknown>;
  /** One round of the network's data (each peer's opendata.php?day=4). */
  peerData?: () => Promise<unknown>;
  /** Deletes what is older than the retention limits. */
  retention?: () => Promise<unknown>;
}

/**
 * `POST /api/jobs/<name>`: how a one-shot (`pimesh log-sample` from cron) asks the running daemon,
 * which holds the serial port, to run a job. Only from this machine.
 */
const LOCAL_ONLY = 'jobs can only be started from this machine, under one of its names, not through a proxy';

export function jobRoutes(router: Router, deps: JobDeps): void {
  router.post('/api/jobs/log-sample', async (ctx: Context) => {
    ctx.assert(fromThisMachine(ctx), 403, LOCAL_ONLY);
    ctx.body = await deps.sample();
  });
  router.post('/api/jobs/post-ip', async (ctx: Context) => {
    ctx.assert(fromThisMachine(ctx), 403, LOCAL_ONLY);
    ctx.assert(deps.postIp, 503, 'gossip needs the plain network key (PIMESH_NETWORK_KEY)');
    ctx.body = await deps.postIp();
  });
  router.post('/api/jobs/check-ip', async (ctx: Context) => {
    ctx.assert(fromThisMachine(ctx), 403, LOCAL_ONLY);
    ctx.assert(deps.checkIp, 503, 'no address check on this node');
    ctx.body = await deps.checkIp();
  });
  router.post('/api/jobs/elect', async (ctx: Context) => {
    ctx.assert(fromThisMachine(ctx), 403, LOCAL_ONLY);
    ctx.assert(deps.elect, 503, 'no election on this node');
    ctx.body = await deps.elect();
  });
  router.post('/api/jobs/peer-data', async (ctx: Context) => {
    ctx.assert(fromThisMachine(ctx), 403, LOCAL_ONLY);
    ctx.assert(deps.peerData, 503, 'no network data on this node');
    ctx.body = await deps.peerData();
  });
  router.post('/api/jobs/retention', async (ctx: Context) => {
    ctx.assert(fromThisMachine(ctx), 403, LOCAL_ONLY);
    ctx.assert(deps.retention, 503, 'no retention on this node');
    ctx.body = await deps.retention();
  });
}
