import type Router from '@koa/router';

export interface ChargeControllerStatus {
  source: 'tracer' | 'simulator' | 'none';
  simulated: boolean;
  description: string;
  lastSample: { at: string; file: string; row: string } | null;
  lastError: { at: string; code: string; message: string } | null;
}

export interface NodeStatus {
  status: 'ok';
  name: string;
  version: string;
  uptime: number;
  timezone: string;
  /** When this answer was made (ISO), as pi_backend's status carries it. */
  timestamp: string;
  chargeController: ChargeControllerStatus;
}

/** `GET /api/status`: is the API up, and where do its readings come from (simulated or not). */
export function statusRoutes(router: Router, status: () => NodeStatus): void {
  router.get('/api/status', (ctx) => {
    ctx.body = status();
  });
}
