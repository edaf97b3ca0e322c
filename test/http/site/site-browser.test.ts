import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TracerStore } from '../../../src/readings/tracer-store.js';
import { CHROMIUM, withPage } from '../../helpers/chromium.js';
import { needs } from '../../helpers/needs.js';
import { startPimesh, tempCwd } from '../../helpers/pimesh-process.js';
import { READING } from '../../helpers/readings.js';
import { localFixture, siteFixture } from '../../helpers/site-app.js';

const chromium = needs(CHROMIUM);

chromium(
  'the site loads in Chromium from a real node, then turns small when the battery runs low',
  async (t) => {
    const cwd = tempCwd();
    const ccDir = join(cwd, 'data', 'charge-controller');
    mkdirSync(ccDir, { recursive: true });
    // The node's own logger would write these; the test is the charge controller here.
    const store = new TracerStore(ccDir);
    await store.append(new Date(), { ...READING, 'battery percentage': 0.8 });
    const node = await startPimesh(
      {
        PIMESH_SITE_DIR: siteFixture(),
        PIMESH_SITE_LOCAL_DIR: localFixture(),
        PIMESH_CHARGE_CONTROLLER: 'none',
        PIMESH_SCHEDULE: 'off',
      },
      cwd,
    );
    try {
      await withPage(t, async (page, problems) => {
        const encodings = new Map<string, string | undefined>();
        page.on('response', (res) => {
          encodings.set(new URL(res.url()).pathname, res.headers()['content-encoding']);
        });
        await page.goto(node.url('/'));
        await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
        t.is(await page.title(), 'Fixture Solar Server');
        t.is(await page.textContent('#battery'), '80 %');
        t.is(await page.evaluate('getComputedStyle(document.body).maxWidth'), '672px');
        // Chromium asks for gzip over plain HTTP (br only over HTTPS): the precompressed sibling is sent.
        t.true(
          ['gzip', 'br'].includes(encodings.get('/style.css') ?? ''),
          String(encodings.get('/style.css')),
        );

        await page.goto(node.url('/local/'));
        // The 1x1 profile GIF from the steward's directory decoded.
        t.is(await page.evaluate('document.querySelector("img").naturalWidth'), 1);

        await store.append(new Date(), { ...READING, 'battery percentage': 0.2 });
        // The node re-reads its files within a second; reload until it has.
        const deadline = Date.now() + 15_000;
        let title = '';
        while (Date.now() < deadline) {
          await page.goto(node.url('/'));
          title = await page.title();
          if (title.includes('low power')) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        t.is(title, 'Fixture Solar Server (low power)');
        t.regex((await page.textContent('h1')) ?? '', /low power/);
        t.deepEqual(problems, []);
      });
    } finally {
      await node.stop();
    }
  },
);
