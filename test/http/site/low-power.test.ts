import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { batteryFraction, isLowPower } from '../../../src/http/site/low-power.js';
import { siteApp } from '../../helpers/site-app.js';

const LARGE = /<title>Fixture Solar Server<\/title>/;
const SMALL = /low power/;

test('the battery cell is read as the original read it: a fraction, anything else unknown', (t) => {
  t.is(batteryFraction('0.33'), 0.33);
  t.is(batteryFraction('1.0'), 1);
  t.is(batteryFraction(''), undefined);
  t.is(batteryFraction('battery percentage'), undefined);
  t.is(batteryFraction('-0.1'), undefined);
  t.is(batteryFraction('nan'), undefined);
});

test('low power is strictly below the threshold, and never for an unknown battery', (t) => {
  t.true(isLowPower(0.49, 50));
  t.false(isLowPower(0.5, 50));
  t.false(isLowPower(0.29, 29));
  t.true(isLowPower(0.64, 65));
  t.false(isLowPower(0, 0));
  t.false(isLowPower(undefined, 50));
});

test('the front page turns small when the battery reading drops below 50 %, and back', async (t) => {
  const { app, battery } = siteApp();
  const server = request(app.callback());
  await battery(0.8);
  const full = await server.get('/').expect(200);
  t.regex(full.text, LARGE);
  await battery(0.2);
  const small = await server.get('/').expect(200);
  t.regex(small.text, SMALL);
  t.is(small.headers['cache-control'], 'no-cache');
  t.not(small.headers.etag, full.headers.etag);
  // A browser holding the full page's ETag gets the small page, not a 304.
  await server.get('/').set('If-None-Match', full.headers.etag).expect(200);
  t.regex((await server.get('/index.html').expect(200)).text, SMALL);
  // Other pages are what they are.
  t.regex((await server.get('/about/').expect(200)).text, /About this server/);
  t.regex((await server.get('/local/').expect(200)).text, /The steward's pages/);
  await battery(0.5);
  t.regex((await server.get('/').expect(200)).text, LARGE);
});

test("the fixture's own newest reading (0.33) is already low power", async (t) => {
  const { app } = siteApp();
  t.regex((await request(app.callback()).get('/').expect(200)).text, SMALL);
});

test('with no battery reading at all the full site is served', async (t) => {
  const ccDir = mkdtempSync(join(tmpdir(), 'pimesh-cc-empty-'));
  const { app } = siteApp({}, { ccDir });
  t.regex((await request(app.callback()).get('/').expect(200)).text, LARGE);
  rmSync(ccDir, { recursive: true });
  t.regex((await request(app.callback()).get('/').expect(200)).text, LARGE);
});

test('the threshold and the low-power page are configurable; a missing page means the full one', async (t) => {
  const higher = siteApp({ lowPowerBelowPercent: 90 });
  await higher.battery(0.8);
  t.regex((await request(higher.app.callback()).get('/').expect(200)).text, SMALL);

  const off = siteApp({ lowPowerBelowPercent: 0 });
  await off.battery(0);
  t.regex((await request(off.app.callback()).get('/').expect(200)).text, LARGE);

  const other = siteApp({ lowPowerIndex: 'lite.html' });
  writeFileSync(join(other.dir as string, 'lite.html'), '<!doctype html><title>lite</title>');
  await other.battery(0.1);
  t.is((await request(other.app.callback()).get('/').expect(200)).text, '<!doctype html><title>lite</title>');

  const missing = siteApp({ lowPowerIndex: 'index-tiny.html' });
  await missing.battery(0.1);
  t.regex((await request(missing.app.callback()).get('/').expect(200)).text, LARGE);
});
