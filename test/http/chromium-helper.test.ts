import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHROMIUM, withPage } from '../helpers/chromium.js';
import { needs } from '../helpers/needs.js';

const browser = needs(CHROMIUM);

browser('a page that fetches from off the machine is reported, and the request never leaves', async (t) => {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(
      '<!doctype html><title>x</title><script src="http://cdn.example.invalid/lib.js"></script><p>hi</p>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const problems = await withPage(t, async (page, found) => {
      await page.goto(`http://127.0.0.1:${port}/`);
      t.is(await page.textContent('p'), 'hi');
      return found;
    });
    t.true(problems.some((p) => p.startsWith('off-machine request: http://cdn.example.invalid/')));
  } finally {
    server.close();
  }
});
