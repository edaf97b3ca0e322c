/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; never `playwright
 * install`) for tests of pages. Register the tests with `needs(CHROMIUM)` (./needs.ts).
 *
 *   const browser = needs(CHROMIUM);
 *   browser('the dashboard loads without console errors', async (t) => {
 *     await withPage(t, async (page, problems) => { await page.goto(url); t.deepEqual(problems, []); });
 *   });
 *
 * Every request the page makes to a host other than 127.0.0.1/localhost is aborted and reported as a
 * problem, so a page that fetches from a CDN fails its test and no packet leaves the machine.
 */
import test, { type ExecutionContext } from 'ava';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { findTool } from './needs.js';

/** What withPage() runs. */
export const CHROMIUM = 'chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

let shared: Promise<Browser> | undefined;

/** One browser per test file (launching takes ~0.7 s); closed after its last test. */
export function browser(): Promise<Browser> {
  if (!shared) {
    shared = (async () => {
      const { chromium } = await import('playwright-core');
      const executablePath = findTool(CHROMIUM);
      if (!executablePath) throw new Error('chromium is not installed (Debian: apt-get install chromium)');
      // playwright gives the browser a temporary profile of its own and removes it on close.
      const b = await chromium.launch({ executablePath, args: FLAGS });
      return b;
    })();
  }
  return shared;
}

// The browser would keep the test process alive: closed after the file's last test.
test.after.always('close the shared browser', async () => {
  if (shared) await (await shared.catch(() => undefined))?.close();
});

/** Console errors, page errors, failed and off-machine requests, as readable lines. */
export type Problems = string[];

/**
 * A fresh page (its own context) for `body`; `problems` collects console errors, uncaught page
 * errors, requests that failed and requests to anything but loopback. Closed afterwards.
 */
export async function withPage<T>(
  t: ExecutionContext,
  body: (page: Page, problems: Problems) => Promise<T>,
  options: BrowserContextOptions = {},
): Promise<T> {
  const context = await (await browser()).newContext(options);
  const problems: Problems = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (local || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    problems.push(`off-machine request: ${url.href}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // An EventSource closed by navigation or by the end of the test is not a failure of the page.
    const reason = request.failure()?.errorText ?? '';
    if (reason === 'net::ERR_ABORTED' && request.resourceType() === 'eventsource') return;
    problems.push(`request failed: ${request.url()} (${reason})`);
  });
  try {
    return await body(page, problems);
  } finally {
    await context.close().catch((error: unknown) => t.log(`closing the page: ${String(error)}`));
  }
}
