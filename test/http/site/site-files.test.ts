import { randomBytes } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { siteApp } from '../../helpers/site-app.js';
import { FIXTURES } from '../../helpers/solar-app.js';

const fixture = (name: string) => readFileSync(join(FIXTURES, 'site', name));

test('the front page is index.html, as HTML in UTF-8 with validators and no-cache', async (t) => {
  const { app, battery } = siteApp();
  await battery(0.8);
  const res = await request(app.callback()).get('/').expect(200);
  t.is(res.headers['content-type'], 'text/html; charset=utf-8');
  t.is(res.text, fixture('index.html').toString());
  t.regex(res.headers.etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  t.truthy(Date.parse(res.headers['last-modified']));
  t.is(res.headers['cache-control'], 'no-cache');
  t.is(res.headers['content-length'], String(fixture('index.html').length));
  t.is(res.headers['access-control-allow-origin'], '*');
  t.is(res.headers['x-content-type-options'], 'nosniff');
});

test('style sheets, scripts and images carry their own types and may be cached for a while', async (t) => {
  const { app } = siteApp({ maxAgeSeconds: 900 });
  const server = request(app.callback());
  const css = await server.get('/style.css').set('Accept-Encoding', 'identity').expect(200);
  t.is(css.headers['content-type'], 'text/css; charset=utf-8');
  t.is(css.headers['cache-control'], 'public, max-age=900');
  const js = await server.get('/app.js').expect(200);
  t.is(js.headers['content-type'], 'text/javascript; charset=utf-8');
  t.is(js.text, fixture('app.js').toString());
  const svg = await server.get('/images/sun.svg').expect(200);
  t.is(svg.headers['content-type'], 'image/svg+xml; charset=utf-8');
  const gif = await server.get('/local/serverprofile.gif').expect(200);
  t.is(gif.headers['content-type'], 'image/gif');
});

test('a request carrying the ETag or a later If-Modified-Since is answered 304 without a body', async (t) => {
  const { app } = siteApp();
  const server = request(app.callback());
  const first = await server.get('/app.js').expect(200);
  const byTag = await server.get('/app.js').set('If-None-Match', first.headers.etag).expect(304);
  t.is(byTag.text, '');
  t.is(byTag.headers.etag, first.headers.etag);
  await server.get('/app.js').set('If-None-Match', `"other", ${first.headers.etag}`).expect(304);
  await server.get('/app.js').set('If-Modified-Since', first.headers['last-modified']).expect(304);
  await server.get('/app.js').set('If-None-Match', '"stale"').expect(200);
  // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
  await server
    .get('/app.js')
    .set('If-None-Match', '"stale"')
    .set('If-Modified-Since', first.headers['last-modified'])
    .expect(200);
  await server.get('/app.js').set('If-Modified-Since', new Date(0).toUTCString()).expect(200);
});

test('HEAD answers the headers and the length, and no body', async (t) => {
  const { app } = siteApp();
  const res = await request(app.callback()).head('/style.css').set('Accept-Encoding', 'identity').expect(200);
  t.is(res.headers['content-length'], String(fixture('style.css').length));
  t.is(res.headers['content-type'], 'text/css; charset=utf-8');
  t.truthy(res.headers.etag);
  t.deepEqual(res.body, {});
});

test('a precompressed sibling is sent to a client that accepts it, with its own ETag', async (t) => {
  const { app, dir } = siteApp();
  const server = request(app.callback());
  const css = fixture('style.css').toString();
  const plain = await server.get('/style.css').set('Accept-Encoding', 'identity').expect(200);
  t.false('content-encoding' in plain.headers);
  t.is(plain.headers.vary, 'Accept-Encoding');
  const br = await server.get('/style.css').set('Accept-Encoding', 'gzip, deflate, br').expect(200);
  t.is(br.headers['content-encoding'], 'br');
  t.is(br.headers['content-type'], 'text/css; charset=utf-8');
  t.is(br.headers['content-length'], String(readFileSync(join(dir as string, 'style.css.br')).length));
  t.is(br.text, css);
  const gz = await server.get('/style.css').set('Accept-Encoding', 'br;q=0, gzip').expect(200);
  t.is(gz.headers['content-encoding'], 'gzip');
  t.is(gz.text, css);
  const preferred = await server.get('/style.css').set('Accept-Encoding', 'br;q=0.5, gzip;q=0.9').expect(200);
  t.is(preferred.headers['content-encoding'], 'gzip');
  t.is(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size, 3);
  await server
    .get('/style.css')
    .set('Accept-Encoding', 'br')
    .set('If-None-Match', br.headers.etag)
    .expect(304);
});

test('a file without siblings does not vary, and a stale sibling is not served', async (t) => {
  const { app, dir } = siteApp();
  const server = request(app.callback());
  const js = await server.get('/app.js').set('Accept-Encoding', 'br, gzip').expect(200);
  t.false('vary' in js.headers);
  t.false('content-encoding' in js.headers);
  // The style sheet edited after its siblings were made: they no longer say what it says.
  writeFileSync(join(dir as string, 'style.css'), 'body { color: red }\n');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(join(dir as string, 'style.css.br'), hourAgo, hourAgo);
  utimesSync(join(dir as string, 'style.css.gz'), hourAgo, hourAgo);
  const css = await server.get('/style.css').set('Accept-Encoding', 'br, gzip').expect(200);
  t.false('content-encoding' in css.headers);
  t.is(css.text, 'body { color: red }\n');
});

test('a directory answers its index.html, or 404: never a listing', async (t) => {
  const { app } = siteApp();
  const server = request(app.callback());
  const about = await server.get('/about/').expect(200);
  t.regex(about.text, /About this server/);
  const images = await server.get('/images/').expect(404);
  t.notRegex(images.text, /sun\.svg/);
  await server.get('/nothing-here.html').expect(404);
  await server.get('/app.js/').expect(404);
});

test('a directory named without its slash is redirected to it, keeping the query', async (t) => {
  const { app } = siteApp();
  const res = await request(app.callback()).get('/about?lang=en').expect(301);
  t.is(res.headers.location, '/about/?lang=en');
  const local = await request(app.callback()).get('/local').expect(301);
  t.is(local.headers.location, '/local/');
});

test('a large file is streamed whole, with its length announced', async (t) => {
  const { app, dir } = siteApp();
  const big = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(join(dir as string, 'big.bin'), big);
  const res = await request(app.callback())
    .get('/big.bin')
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    })
    .expect(200);
  t.is(res.headers['content-type'], 'application/octet-stream');
  t.is(res.headers['content-length'], String(big.length));
  t.true(Buffer.compare(res.body as Buffer, big) === 0);
});

test('an empty file is a 200 with an empty body', async (t) => {
  const { app, dir } = siteApp();
  writeFileSync(join(dir as string, 'empty.txt'), '');
  const res = await request(app.callback()).get('/empty.txt').expect(200);
  t.is(res.headers['content-length'], '0');
  t.is(res.text, '');
});
