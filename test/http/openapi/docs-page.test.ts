import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import request from 'supertest';
import { CHROMIUM, withPage } from '../../helpers/chromium.js';
import { fullNode } from '../../helpers/full-node.js';
import { needs } from '../../helpers/needs.js';

let node: Awaited<ReturnType<typeof fullNode>>;
let server: Server;
let base = '';
test.before(async () => {
  node = await fullNode();
  server = createServer(node.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await node?.stop();
});

test('/docs is our small page: Swagger UI from this node, no CDN, no petstore, a strict CSP', async (t) => {
  const res = await request(node.handler).get('/docs');
  t.is(res.status, 200);
  t.regex(res.headers['content-type'], /^text\/html/);
  t.regex(res.headers['content-security-policy'], /default-src 'self'/);
  t.truthy(res.headers.etag);
  for (const src of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']) {
    t.true(res.text.includes(src), src);
  }
  t.false(/https?:\/\//.test(res.text), 'no absolute URL');
  const init = await request(node.handler).get('/docs/init.js');
  t.true(init.text.includes("url: '/openapi.json'"));
  t.false(init.text.includes('petstore'));
});

test("Swagger UI's files are served from node_modules with an ETag, cached, 304 when unchanged", async (t) => {
  const bundle = await request(node.handler).get('/docs/swagger-ui-bundle.js');
  t.is(bundle.status, 200);
  t.regex(bundle.headers['content-type'], /^text\/javascript/);
  t.is(bundle.headers['cache-control'], 'public, max-age=3600');
  t.true(Number(bundle.headers['content-length']) > 1_000_000);
  const again = await request(node.handler)
    .get('/docs/swagger-ui-bundle.js')
    .set('If-None-Match', bundle.headers.etag as string);
  t.is(again.status, 304);
  const css = await request(node.handler).get('/docs/swagger-ui.css');
  t.regex(css.headers['content-type'], /^text\/css/);
});

test('/docs serves only its three files', async (t) => {
  for (const path of ['/docs/index.html', '/docs/swagger-initializer.js', '/docs/..%2Fpackage.json']) {
    t.is((await request(node.handler).get(path)).status, 404, path);
  }
});

const browser = needs(CHROMIUM);

browser(
  'in Chromium /docs renders every tag and the operations, no console error, nothing off the machine',
  async (t) => {
    await withPage(t, async (page, problems) => {
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      const operations = await page.locator('.opblock').count();
      t.true(operations > 60, `${operations} operations rendered`);
      const tags = await page.locator('.opblock-tag').allInnerTexts();
      for (const tag of ['Solar Protocol', 'Node', 'pi_backend', 'System monitor', 'Detections']) {
        t.true(
          tags.some((text) => text.startsWith(tag)),
          tag,
        );
      }
      await page.locator('#operations-Solar_Protocol-getApiV1ChargecontrollerPhp').click();
      await page.getByText('A column of the newest row').first().waitFor();
      t.deepEqual(problems, []);
      t.true(
        requests.every((url) => url.startsWith(base) || url.startsWith('data:')),
        requests.join('\n'),
      );
    });
  },
);

needs(CHROMIUM)(
  'in Chromium the generated /api/system index lists the endpoints and links to /docs, no console error',
  async (t) => {
    await withPage(t, async (page, problems) => {
      const res = await page.goto(`${base}/api/system`);
      t.is(res?.status(), 200);
      const text = (await page.textContent('body')) ?? '';
      for (const path of ['/api/v1/chargecontroller.php', '/api/status', '/metrics', '/api/sensors/latest']) {
        t.true(text.includes(path), path);
      }
      t.true((await page.locator('a[href="/docs"]').count()) > 0, 'a link to the interactive docs');
      t.deepEqual(problems, []);
    });
  },
);
