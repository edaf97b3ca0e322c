import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CHROMIUM, withPage } from '../helpers/chromium.js';
import { needs } from '../helpers/needs.js';
import { network } from '../helpers/peer-network.js';
import { FIXTURES } from '../helpers/solar-app.js';

const browser = needs(CHROMIUM);

browser(
  'the network page, served by the node from site.dir, draws every peer from server=all without console errors',
  async (t) => {
    // The site fixture and the API, both served by the node (site.dir), as a steward's site would be.
    const { handler } = await network(t, false, {
      dir: join(FIXTURES, 'site'),
      lowPowerBelowPercent: 50,
      lowPowerIndex: 'index-small.html',
      maxAgeSeconds: 0,
      battery: () => '',
    });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => {
      server.closeAllConnections();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    await withPage(t, async (page, problems) => {
      await page.goto(`http://127.0.0.1:${port}/network.html`);
      await page.waitForSelector('#network:not([hidden])');
      t.is(await page.textContent('#state'), '2 servers');
      const rows = await page.$$eval('#network tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
      t.deepEqual(rows, [
        ['serverone', '2021-02-24 07:48:13.1', '2.25', '34%', ''],
        ['two', 'no data'],
      ]);
      t.is(await page.locator('tr[data-server="serverone"] svg polyline').count(), 1);
      t.deepEqual(problems, []);
    });
  },
);
