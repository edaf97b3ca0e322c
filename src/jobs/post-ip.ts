import type { Logger } from '../log.js';
import type { Disseminator, RoundReport } from '../mesh/gossip/dissemination.js';

/** One gossip round: post our entry to seeds and a few peers, merge their answers. */
export async function postIp(deps: { disseminator: Disseminator; log: Logger }): Promise<RoundReport> {
  const report = await deps.disseminator.round();
  deps.log.info(
    {
      posted: report.posted.length,
      answered: report.answered.length,
      failed: report.failed,
      learned: report.learned,
      followed: report.followed.length,
      announce: report.announce,
    },
    'gossip round',
  );
  return report;
}
