import { mkdirSync } from 'node:fs';
import test from 'ava';
import type { Page } from 'playwright-core';
import { CHROMIUM, withPage } from '../helpers/chromium.js';
import { startDashboardNode } from '../helpers/dashboard-node.js';
import { needs } from '../helpers/needs.js';
import type { PimeshProcess } from '../helpers/pimesh-process.js';

const browser = needs(CHROMIUM);
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const FIRST_VIEW_LIMIT = 100 * 1024;
/** In the page: the live stream is open. */
const LIVE = "document.getElementById('live')?.textContent === 'live'";

let node: PimeshProcess | undefined;
const url = (path: string) => (node as PimeshProcess).url(path);

test.before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  node = await startDashboardNode();
});
test.after.always(async () => {
  await node?.stop();
});

/** Bytes of every finished response body as transferred (gzipped where it was), while `load` runs. */
async function transferred(
  page: Page,
  load: () => Promise<unknown>,
): Promise<{ bytes: number; urls: string[] }> {
  const sizes: Promise<number>[] = [];
  const urls: string[] = [];
  const onFinished = (request: import('playwright-core').Request) => {
    urls.push(request.url());
    sizes.push(request.sizes().then((s) => s.responseBodySize));
  };
  page.on('requestfinished', onFinished);
  await load();
  page.off('requestfinished', onFinished);
  const all = await Promise.all(sizes);
  return { bytes: all.reduce((a, b) => a + b, 0), urls };
}

async function apiNow(): Promise<Record<string, string>> {
  const view = (await (await fetch(url('/api/dashboard?lite'))).json()) as { now: unknown };
  const { nowText } = await import('../../src/http/dashboard/format.js');
  return nowText(view.now as Parameters<typeof nowText>[0]);
}

browser.serial(
  'the first view at 1280 px shows the node, marks the simulation, fetches nothing off the machine and stays under 100 KB',
  async (t) => {
    await withPage(
      t,
      async (page, problems) => {
        const { bytes, urls } = await transferred(page, () =>
          page.goto(url('/'), { waitUntil: 'networkidle' }),
        );
        t.log(`first view: ${bytes} bytes transferred in ${urls.length} responses`);
        t.true(bytes < FIRST_VIEW_LIMIT, `${bytes} bytes`);
        t.true(urls.every((u) => u.startsWith(url('/'))));
        t.regex((await page.textContent('.sim')) ?? '', /SIMULATED/);
        t.is(await page.locator('#charts svg').count(), 4);
        t.is(await page.locator('#mesh tbody tr').count(), 2);
        t.regex((await page.textContent('#mesh')) ?? '', /Hong Kong/);
        t.regex((await page.textContent('#hardware')) ?? '', /CPU temperature/);
        await page.waitForFunction(LIVE);
        await page.screenshot({ path: `${ARTIFACTS}dashboard-1280.png` });
        t.deepEqual(problems, []);
      },
      { viewport: { width: 1280, height: 900 } },
    );
  },
);

browser.serial('on a 390 px phone the page fits the width and keeps every region', async (t) => {
  await withPage(
    t,
    async (page, problems) => {
      await page.goto(url('/dashboard'), { waitUntil: 'networkidle' });
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      t.true(overflow <= 0, `${overflow} px wider than the screen`);
      for (const id of ['now', 'charts', 'mesh', 'entry', 'hardware']) t.true(await page.isVisible(`#${id}`));
      await page.screenshot({ path: `${ARTIFACTS}dashboard-390.png` });
      t.deepEqual(problems, []);
    },
    { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
  );
});

browser.serial(
  'the keyboard reaches the skip link, then every region through the section links, with a visible focus',
  async (t) => {
    await withPage(t, async (page, problems) => {
      await page.goto(url('/dashboard'), { waitUntil: 'networkidle' });
      await page.keyboard.press('Tab');
      t.is(await page.evaluate<string>('document.activeElement?.textContent'), 'Skip to content');
      const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
      t.not(outline, 'none');
      await page.keyboard.press('Enter');
      t.is(await page.evaluate<string>('document.activeElement?.id'), 'main');
      const reached: string[] = [];
      await page.goto(url('/dashboard'), { waitUntil: 'networkidle' });
      for (let i = 0; i < 7; i++) {
        await page.keyboard.press('Tab');
        reached.push(await page.evaluate<string>("document.activeElement?.getAttribute('href') ?? ''"));
      }
      for (const id of ['#now', '#charts', '#mesh', '#entry', '#hardware'])
        t.true(reached.includes(id), reached.join(' '));
      await page.focus('nav a[href="#mesh"]');
      await page.keyboard.press('Enter');
      await page.waitForFunction("document.activeElement?.id === 'mesh'");
      t.truthy(await page.$('header nav[aria-label]'));
      t.truthy(await page.$('main#main'));
      t.truthy(await page.$('footer'));
      t.deepEqual(problems, []);
    });
  },
);

browser.serial('without JavaScript the numbers of now are in the page', async (t) => {
  const expected = await apiNow();
  await withPage(
    t,
    async (page, problems) => {
      await page.goto(url('/dashboard'));
      for (const key of ['pvW', 'batteryPct', 'loadW', 'at']) {
        t.is((await page.textContent(`[data-k="${key}"]`))?.trim(), expected[key], key);
      }
      t.regex(expected.batteryPct, /^\d+ %$/);
      t.is(await page.locator('#charts svg').count(), 4);
      t.deepEqual(problems, []);
    },
    { javaScriptEnabled: false },
  );
});

browser.serial(
  'the low-power page (?lite) has the figures but no charts, no script and no live stream',
  async (t) => {
    await withPage(t, async (page, problems) => {
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const { bytes } = await transferred(page, () => page.goto(url('/?lite'), { waitUntil: 'networkidle' }));
      t.log(`low-power view: ${bytes} bytes transferred`);
      t.is(await page.locator('svg').count(), 0);
      t.is(await page.locator('script').count(), 0);
      t.false(requests.some((r) => r.includes('/api/dashboard/live')));
      t.regex((await page.textContent('.lite')) ?? '', /Low-power page \(asked for/);
      t.regex((await page.textContent('[data-k="batteryPct"]')) ?? '', /%/);
      t.deepEqual(problems, []);
    });
  },
);

browser.serial('a new charge-controller sample shows on the open page within 2 s', async (t) => {
  await withPage(t, async (page, problems) => {
    await page.goto(url('/dashboard?full'), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(LIVE);
    const before = await page.textContent('[data-k="at"]');
    const started = performance.now();
    const answer = await fetch(url('/api/jobs/log-sample'), { method: 'POST' });
    t.is(answer.status, 200);
    const sample = (await answer.json()) as { row: string };
    const at = sample.row.slice(0, 19);
    await page.waitForFunction(
      `document.querySelector('[data-k="at"]')?.textContent === ${JSON.stringify(at)}`,
      undefined,
      {
        timeout: 2000,
      },
    );
    const ms = performance.now() - started;
    t.log(`sample shown ${ms.toFixed(0)} ms after the POST`);
    t.not(before, at);
    t.true(ms < 2000);
    t.deepEqual(problems, []);
  });
});
