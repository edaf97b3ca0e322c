import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type Koa from 'koa';
import request from 'supertest';
import { siteApp } from '../../helpers/site-app.js';

/** A GET with the path sent byte for byte (supertest's URL parser would resolve `..` first). */
async function rawGet(
  app: Koa,
  path: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      }).on('error', reject);
    });
  } finally {
    server.close();
  }
}

/** A directory outside the site holding a secret. */
function outside(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-outside-'));
  writeFileSync(join(dir, 'secret.txt'), 'the steward keeps this private');
  return dir;
}

test('dot segments, plain or percent-encoded, are refused with 400', async (t) => {
  const { app } = siteApp();
  for (const path of [
    '/../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/about/%2E%2E/%2e%2e/x',
    '/./index.html',
  ]) {
    const res = await rawGet(app, path);
    t.is(res.status, 400, path);
    t.regex(res.body, /bad path: dot segment/, path);
  }
});

test('NUL, encoded slashes and malformed escapes are refused with 400', async (t) => {
  const { app } = siteApp();
  t.is((await rawGet(app, '/index.html%00.txt')).status, 400);
  t.is((await rawGet(app, '/..%2f..%2fetc/passwd')).status, 400);
  t.is((await rawGet(app, '/..%5c..%5cwindows')).status, 400);
  t.is((await rawGet(app, '/%E0%A4%A')).status, 400);
});

test('a symlink pointing outside the root is not followed; one inside it is', async (t) => {
  const { app, dir } = siteApp();
  const away = outside();
  symlinkSync(join(away, 'secret.txt'), join(dir as string, 'secret.txt'));
  symlinkSync(away, join(dir as string, 'elsewhere'));
  symlinkSync(join(dir as string, 'app.js'), join(dir as string, 'app-link.js'));
  const server = request(app.callback());
  const file = await server.get('/secret.txt').expect(404);
  t.notRegex(file.text, /private/);
  await server.get('/elsewhere/secret.txt').expect(404);
  await server.get('/elsewhere/').expect(404);
  await server.get('/app-link.js').expect(200);
});

test('an index.html that is a symlink out of the root is not served either', async (t) => {
  const { app, dir } = siteApp();
  const away = outside();
  mkdirSync(join(dir as string, 'trap'));
  symlinkSync(join(away, 'secret.txt'), join(dir as string, 'trap', 'index.html'));
  const res = await request(app.callback()).get('/trap/').expect(404);
  t.notRegex(res.text, /private/);
});

test('hidden files are not served, except under .well-known', async (t) => {
  const { app, dir } = siteApp();
  mkdirSync(join(dir as string, '.git'));
  writeFileSync(join(dir as string, '.git', 'config'), '[core]');
  writeFileSync(join(dir as string, '.env'), 'KEY=secret');
  mkdirSync(join(dir as string, '.well-known'));
  writeFileSync(join(dir as string, '.well-known', 'security.txt'), 'Contact: mailto:steward@example.org\n');
  const server = request(app.callback());
  await server.get('/.git/config').expect(404);
  await server.get('/.env').expect(404);
  const wk = await server.get('/.well-known/security.txt').expect(200);
  t.is(wk.headers['content-type'], 'text/plain; charset=utf-8');
});

test('a doubled slash cannot turn the directory redirect into another host', async (t) => {
  const { app } = siteApp();
  const res = await rawGet(app, '//about');
  t.is(res.status, 301);
  t.is(res.headers.location, '/about/');
});

test('the API wins over files of the same name, even for routes this node does not mount', async (t) => {
  const { app, dir } = siteApp(
    {},
    {
      mount: (router) => {
        router.get('/stats', (ctx) => {
          ctx.body = { from: 'route' };
        });
        router.post('/upload', (ctx) => {
          ctx.body = 'posted';
        });
        // As the dashboard's `/` does while a site is served: it passes.
        router.get('/', (_ctx, next) => next());
      },
    },
  );
  const root = dir as string;
  mkdirSync(join(root, 'api'));
  writeFileSync(join(root, 'api', 'status'), 'a file');
  for (const name of ['health', 'ws', 'dashboard', 'docs', 'openapi.json', 'metrics', 'stats', 'upload']) {
    writeFileSync(join(root, name), `the file ${name}`);
  }
  const server = request(app.callback());
  const status = await server.get('/api/status').expect(200);
  t.is(status.body.name, 'test');
  const pv = await server.get('/api/v1/chargecontroller.php?value=PV-voltage').expect(200);
  t.is(pv.text, '13.23');
  t.deepEqual((await server.get('/stats').expect(200)).body, { from: 'route' });
  await server.get('/upload').expect(405);
  t.regex((await server.get('/').expect(200)).text, /Fixture Solar Server/);
  // Whether or not a route answers these (the docs do, a node without detections has no /ws): no file does.
  for (const path of ['/health', '/ws', '/dashboard', '/docs', '/openapi.json', '/metrics', '/API/status']) {
    const res = await server.get(path);
    t.notRegex(res.text, /the file/, path);
  }
  t.is((await server.get('/ws').expect(404)).text, 'Not Found');
});

test('only GET and HEAD reach the site', async (t) => {
  const { app } = siteApp();
  const server = request(app.callback());
  await server.post('/index.html').expect(404);
  await server.put('/app.js').send('x').expect(404);
  await server.delete('/style.css').expect(404);
  t.pass();
});

test('/local/ serves the steward directory the same way', async (t) => {
  const { app, dir } = siteApp();
  writeFileSync(join(dir as string, 'local-in-site.txt'), 'x');
  const server = request(app.callback());
  const index = await server.get('/local/').expect(200);
  t.regex(index.text, /The steward's pages/);
  const notes = await server.get('/local/notes.txt').expect(200);
  t.is(notes.text, 'Notes from the steward.\n');
  t.is(notes.headers['content-type'], 'text/plain; charset=utf-8');
  await server.get('/local/notes.txt').set('If-None-Match', notes.headers.etag).expect(304);
  await server.get('/local/missing.txt').expect(404);
  await server.get('/local/local-in-site.txt').expect(404);
  t.is((await rawGet(app, '/local/%2e%2e/index.html')).status, 400);
});

test('without a site directory, / stays the home page and /local/ still works', async (t) => {
  const { app } = siteApp({ dir: undefined });
  const server = request(app.callback());
  const home = await server.get('/').expect(200);
  t.regex(home.text, /pimesh 0\.0\.0/);
  await server.get('/local/notes.txt').expect(200);
  await server.get('/app.js').expect(404);
});
