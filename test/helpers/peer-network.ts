import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createApp } from '../../src/http/app.js';
import { createHandler } from '../../src/http/handler.js';
import type { SiteDeps } from '../../src/http/routes/site.js';
import { silentLogger } from '../../src/log.js';
import { type DeviceEntry, deviceEntry } from '../../src/mesh/device-entry.js';
import { PeerData } from '../../src/mesh/peer-data.js';
import { ServerAnswers } from '../../src/readings/server-answers.js';
import { SolarAnswers } from '../../src/readings/solar-answers.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { DAY4, startDayDataPeer } from './day-data-peer.js';
import { FIXTURE_NOW, FIXTURE_PROFILE, fixtureDir } from './solar-app.js';

const SELF = { mac: 'b8:27:eb:00:00:99', ip: '127.0.0.1:1' };

/** Two peers (one answering, one down) behind real local servers, one round done, and the node's API. */
/** Two peers (one up, one down) and a node that fetched their data; `site`: the website it serves. */
export async function network(t: ExecutionContext, withSelf = false, site?: SiteDeps) {
  const up = await startDayDataPeer(DAY4);
  const down = await startDayDataPeer(DAY4);
  down.status = 500;
  t.teardown(() => Promise.all([up.close(), down.close()]));
  const peers: DeviceEntry[] = [
    deviceEntry({ mac: 'm1', ip: up.address, 'time stamp': '1', name: 'Server One', log: [''] }),
    deviceEntry({ mac: 'm2', ip: down.address, 'time stamp': '1', name: 'Two', log: [''] }),
  ];
  if (withSelf) peers.push(deviceEntry({ ...SELF, 'time stamp': '1', name: 'Me', log: [''] }));
  const data = new PeerData({
    dir: mkdtempSync(join(tmpdir(), 'pimesh-peer-data-')),
    peers: () => peers,
    self: () => SELF,
    local: () => answers.answer('opendata', 1, new Map([['day', '4']])).toString(),
  });
  const answers: SolarAnswers = new SolarAnswers({
    store: new TracerStore(fixtureDir()),
    profile: FIXTURE_PROFILE,
    timezone: 'America/New_York',
    peers: () => peers,
    now: FIXTURE_NOW,
    server: new ServerAnswers({
      data,
      peers: () => peers,
      isSelf: (e) => e.mac === SELF.mac,
      local: (q) => answers.answer('chargecontroller', 1, q),
    }),
  });
  await data.run();
  const app = createApp({
    answers,
    status: () => {
      throw new Error('unused');
    },
    sample: () => Promise.reject(new Error('unused')),
    log: silentLogger(),
    site,
  });
  return { answers, handler: createHandler(app, answers) };
}
