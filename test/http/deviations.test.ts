import test from 'ava';
import request from 'supertest';
import { solarApp } from '../helpers/solar-app.js';

// Deliberate deviations from the original, each documented in the README.
const server = solarApp().handler;

for (const path of ['/api/v1/chargecontroller.php', '/api/v1/opendata.php', '/api/v2/opendata.php']) {
  test(`${path}: day= with a path is refused with 400`, async (t) => {
    for (const day of [
      '../tracerData2021-02-24',
      '/etc/passwd#tracerData',
      'x/../../tracerData2021-02-24',
      '..\\tracerData',
    ]) {
      const res = await request(server).get(`${path}?day=${encodeURIComponent(day)}`);
      t.is(res.status, 400, day);
      t.regex(res.body.error.message, /day must name a tracerData file/);
    }
  });

  test(`${path}: day=deviceList is not public (403)`, async (t) => {
    const res = await request(server).get(`${path}?day=deviceList`);
    t.is(res.status, 403);
    t.is(res.body.error.code, 'ERR_INPUT');
    t.regex(res.body.error.message, /not public/);
  });
}

test('day= never reads a file outside the charge-controller directory, even one that exists', async (t) => {
  const res = await request(server).get('/api/v1/chargecontroller.php?day=tracerData2021-02-24.csv/..');
  t.is(res.status, 400);
});

test('server= is answered with a clear 501 rather than a silent empty body', async (t) => {
  const res = await request(server).get('/api/v1/opendata.php?server=all&value=PV-voltage');
  t.is(res.status, 501);
  t.truthy(res.body.error.message);
});

test('the fast path and the Koa routes give the same answers', async (t) => {
  const { app } = solarApp();
  const koa = app.callback();
  for (const q of ['value=PV-voltage', 'line=0', 'day=2', 'systemInfo=dump', 'value=nope', 'line=len']) {
    const fast = await request(server).get(`/api/v1/chargecontroller.php?${q}`);
    const slow = await request(koa).get(`/api/v1/chargecontroller.php?${q}`);
    t.is(fast.text, slow.text, q);
    t.is(fast.headers['content-type'], slow.headers['content-type'], q);
  }
});

test('HEAD answers the headers of the GET without a body', async (t) => {
  const res = await request(server).head('/api/v1/chargecontroller.php?value=PV-voltage');
  t.is(res.status, 200);
  t.is(res.headers['content-length'], '5');
  t.is(res.headers['content-type'], 'text/html; charset=UTF-8');
});
