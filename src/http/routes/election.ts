import type Router from '@koa/router';
import type { Context } from 'koa';
import type { DnsStatus } from '../../mesh/dns/updater.js';
import type { ElectionRules } from '../../mesh/election.js';
import type { Elector } from '../../mesh/elector.js';
import type { PoeLog } from '../../mesh/poe-log.js';
import { fromThisMachine } from '../request-origin.js';

export interface ElectionDeps {
  elector: Elector;
  rules: ElectionRules;
  metric: string;
  intervalSeconds: number;
  poeLog: PoeLog;
  dns?: () => DnsStatus;
  selfMac: () => string;
}

/**
 * `GET /api/election`: who holds the public name, since when, the last round (every candidate's metric,
 * verdict and reason) and the DNS updater's state. Peers' MACs and addresses are shown only to callers
 * on this machine (the device list is not public); the holder's MAC is, so pimesh peers that restart
 * can adopt the holder the others agree on.
 */
export function electionRoutes(router: Router, deps: ElectionDeps): void {
  router.get('/api/election', (ctx: Context) => {
    const local = fromThisMachine(ctx);
    const last = deps.elector.last();
    const holder = deps.elector.holder();
    const holderName = last?.candidates.find((c) => c.mac === holder?.mac)?.name;
    ctx.body = {
      rule: deps.rules.mode,
      metric: deps.metric,
      rules: {
        maxSampleAgeSeconds: deps.rules.maxSampleAgeSeconds,
        maxClockSkewSeconds: deps.rules.maxClockSkewSeconds,
        margin: deps.rules.margin,
        holdSeconds: deps.rules.holdSeconds,
        intervalSeconds: deps.intervalSeconds,
      },
      holder: holder
        ? { mac: holder.mac, name: holderName, since: new Date(holder.since).toISOString() }
        : null,
      self: { mac: deps.selfMac(), pointOfEntry: last?.selfWins ?? false },
      lastDecision: last
        ? {
            ...last,
            candidates: last.candidates.map((c) => ({
              name: c.name,
              ...(local || c.self || c.mac === holder?.mac ? { mac: c.mac } : {}),
              ...(local ? { address: c.address } : {}),
              self: c.self,
              metric: c.metric ?? null,
              sampledAt: c.sampledAt === undefined ? null : new Date(c.sampledAt).toISOString(),
              status: c.status,
              ...(c.error ? { error: c.error } : {}),
              verdict: c.verdict,
              reason: c.reason,
            })),
          }
        : null,
      dns: deps.dns?.() ?? null,
      history: deps.poeLog.recent(24),
    };
  });
}
