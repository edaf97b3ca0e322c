import test from 'ava';
import request from 'supertest';
import { monitorApp, UNLIMITED } from './app.js';
import { FakeSource } from './fake-source.js';

const REFUSING = [
  'identity;q=0',
  'identity;q=0, *;q=0',
  '*;q=0',
  'br;q=0, gzip;q=0, identity;q=0',
  'gzip;q=0',
];
const ODD = ['x-unknown', ',,;;', 'gzip;q=abc', 'identity;q=0, gzip;q=0.5'];

for (const path of ['/stats', '/processes', '/api/system']) {
  test(`${path} answers 200 uncoded whatever Accept-Encoding refuses`, async (t) => {
    const { handler } = monitorApp(new FakeSource(), { config: UNLIMITED });
    for (const encoding of REFUSING) {
      const res = await request(handler).get(path).set('Accept-Encoding', encoding);
      t.is(res.status, 200, `Accept-Encoding: ${encoding}`);
      t.false('content-encoding' in res.headers, `Accept-Encoding: ${encoding}`);
    }
  });

  test(`${path} never fails on an odd Accept-Encoding, and gzips when gzip is acceptable`, async (t) => {
    const { handler } = monitorApp(new FakeSource(), { config: UNLIMITED });
    for (const encoding of ODD) {
      const res = await request(handler).get(path).set('Accept-Encoding', encoding);
      t.is(res.status, 200, `Accept-Encoding: ${encoding}`);
    }
    const gzipped = await request(handler).get(path).set('Accept-Encoding', 'identity;q=0, gzip;q=0.5');
    if (path !== '/processes') t.is(gzipped.headers['content-encoding'], 'gzip');
  });
}
