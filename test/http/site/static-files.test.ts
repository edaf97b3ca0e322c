import test from 'ava';
import { compressible, contentType } from '../../../src/http/site/content-types.js';
import {
  acceptedEncodings,
  etag,
  parseSitePath,
  SitePathError,
} from '../../../src/http/site/static-files.js';

test('a path is cut into decoded segments, empty ones dropped, the trailing slash remembered', (t) => {
  t.deepEqual(parseSitePath('/'), { segments: [], directory: true });
  t.deepEqual(parseSitePath('/a//b%20c/'), { segments: ['a', 'b c'], directory: true });
  t.deepEqual(parseSitePath('/caf%C3%A9.html'), { segments: ['café.html'], directory: false });
  t.deepEqual(parseSitePath(''), { segments: [], directory: false });
});

test('a path that could leave the root or hide a byte is a SitePathError with its code', (t) => {
  for (const raw of ['/..', '/a/%2e%2E/b', '/.', '/a%00', '/a%2fb', '/a%5Cb', '/%zz']) {
    const error = t.throws(() => parseSitePath(raw), { instanceOf: SitePathError }, raw);
    t.is(error?.code, 'ERR_SITE_PATH');
    t.is(error?.status, 400);
  }
});

test('Accept-Encoding gives each coding its q-value, * the unnamed ones, 0 when absent', (t) => {
  const q = acceptedEncodings('gzip;q=0.8, br, identity;q=0');
  t.is(q('br'), 1);
  t.is(q('gzip'), 0.8);
  t.is(q('zstd'), 0);
  const star = acceptedEncodings('*;q=0.5, gzip;q=0');
  t.is(star('br'), 0.5);
  t.is(star('gzip'), 0);
  t.is(acceptedEncodings(undefined)('gzip'), 0);
  t.is(acceptedEncodings('GZIP; Q=0.3')('gzip'), 0.3);
  t.is(acceptedEncodings('br;q=abc')('br'), 0);
});

test('types come from the extension, with the charset for text', (t) => {
  t.is(contentType('index.HTML'), 'text/html; charset=utf-8');
  t.is(contentType('app.mjs'), 'text/javascript; charset=utf-8');
  t.is(contentType('data.json'), 'application/json; charset=utf-8');
  t.is(contentType('photo.jpeg'), 'image/jpeg');
  t.is(contentType('font.woff2'), 'font/woff2');
  t.is(contentType('README'), 'application/octet-stream');
  t.true(compressible(contentType('a.svg')));
  t.false(compressible(contentType('a.png')));
});

test('an ETag names the size, the modification time and the coding', (t) => {
  t.is(etag({ size: 255, mtimeMs: 4096.7 }), '"ff-1000"');
  t.is(etag({ size: 255, mtimeMs: 4096.7 }, 'br'), '"ff-1000-br"');
});
