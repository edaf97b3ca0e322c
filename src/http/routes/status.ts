import type Router from '@koa/router';
import type { CadenceStatus } from '../../jobs/cadence-plan.js';

export interface ChargeControllerStatus {
  source: 'tracer' | 'simulator' | 'none';
  simulated: boolean;
  description: string;
  lastSample: { at: string; file: string; row: string } | null;
  lastError: { at: string; code: string; message: string } | null;
}

export interface NodeStatus {
  /** `ok` only while the node does its job; `degraded` with the reasons otherwise. */
  status: 'ok' | 'degraded';
  reasons: string[];
  name: string;
  version: string;
  uptime: number;
  timezone: string;
  /** When this answer was made (ISO), as pi_backend's status carries it. */
  timestamp: string;
  chargeController: ChargeControllerStatus;
  /** The energy-aware cadence: readings, interval and why, last and next run per job (the daemon always sets it). */
  cadence?: CadenceStatus;
}

/**
 * `GET /api/status`: is the node doing its job, and where do its readings come from (simulated or
 * not). 503 while degraded, so a monitor notices; the body says why.
 */
export function statusRoutes(router: Router, status: () => NodeStatus): void {
  router.get('/api/status', (ctx) => {
    const body = status();
    ctx.status = body.status === 'ok' ? 200 : 503;
    ctx.body = body;
  });
}
