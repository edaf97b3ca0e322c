import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import { fakeUpstreams, startWeatherFake } from '../helpers/open-meteo-fake.js';
import { piBackendApp } from './app.js';

async function setup(
  t: ExecutionContext,
  options: { key?: string } & Parameters<typeof piBackendApp>[0] = {},
) {
  const fake = await startWeatherFake({ openWeatherKey: 'owm-real-key' });
  t.teardown(() => fake.close());
  const built = piBackendApp({ upstreams: fakeUpstreams(fake), ...options });
  if (options.key !== undefined) {
    writeFileSync(join(built.dir, 'API.keys'), `[API_KEYS]\nOPENWEATHER_API_KEY = ${options.key}\n`, {
      mode: 0o600,
    });
  }
  return { fake, app: built.app.callback() };
}

test('services=openweather,open-meteo answers one entry per service, keyed by its name', async (t) => {
  const { fake, app } = await setup(t, { key: 'owm-real-key' });
  const res = await request(app).get('/api/weather-data?location=London,UK&services=openweather,open-meteo');
  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body).sort(), ['open-meteo', 'openweather']);
  t.like(res.body.openweather, { name: 'London', main: { temp: 18.2 }, cod: 200 });
  t.like(res.body['open-meteo'].location, { country_code: 'GB', latitude: 51.50853 });
  t.is(res.body['open-meteo'].forecast.current.temperature_2m, 21.5);
  const owm = fake.requests.find((r) => r.url.pathname === '/data/2.5/weather');
  t.deepEqual(Object.fromEntries(owm?.url.searchParams ?? []), {
    q: 'London,UK',
    appid: 'owm-real-key',
    units: 'metric',
  });
});

test('only the requested services are fetched and answered', async (t) => {
  const { fake, app } = await setup(t, { key: 'owm-real-key' });
  const res = await request(app).get('/api/weather-data?location=London,UK&services=openweather');
  t.deepEqual(Object.keys(res.body), ['openweather']);
  t.deepEqual(
    fake.requests.map((r) => r.url.pathname),
    ['/data/2.5/weather'],
  );
});

test('without an OpenWeatherMap key that entry says how to set it while open-meteo still answers', async (t) => {
  for (const key of [undefined, 'YOUR_KEY_HERE']) {
    const { app } = await setup(t, { key });
    const res = await request(app).get('/api/weather-data?location=Tokyo&services=openweather,open-meteo');
    t.is(res.status, 200);
    t.deepEqual(res.body.openweather, { error: 'no API key: POST /api/keys OPENWEATHER_API_KEY' });
    t.is(res.body['open-meteo'].location.name, 'Tokyo');
  }
});

test('a key the service rejects is reported in its entry, without the key', async (t) => {
  const { app } = await setup(t, { key: 'stale-key-123' });
  const res = await request(app).get('/api/weather-data?location=Tokyo&services=openweather');
  t.is(res.status, 200);
  t.regex(res.body.openweather.error, /^openweather rejected OPENWEATHER_API_KEY \(401\): Invalid API key/);
  t.false(res.text.includes('stale-key-123'));
});

test('a place one service cannot find is an error in its entry only', async (t) => {
  const { app } = await setup(t, { key: 'owm-real-key' });
  const res = await request(app).get('/api/weather-data?location=Atlantis');
  t.is(res.status, 200);
  t.deepEqual(res.body, {
    'open-meteo': { error: "location 'Atlantis' not found" },
    openweather: { error: 'openweather answered 404: city not found' },
  });
});

test('with a GNSS fix and no location, OpenWeatherMap is asked by coordinates', async (t) => {
  const { fake, app } = await setup(t, {
    key: 'owm-real-key',
    gnssFix: async () => ({ latitude: 10.5, longitude: -66.9 }),
  });
  const res = await request(app).get('/api/weather-data');
  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body).sort(), ['open-meteo', 'openweather']);
  const owm = fake.requests.find((r) => r.url.pathname === '/data/2.5/weather');
  t.is(owm?.url.searchParams.get('lat'), '10.5');
  t.is(owm?.url.searchParams.get('lon'), '-66.9');
  t.is(owm?.url.searchParams.get('q'), null);
});

test('no location from any source is a 503 with pi_backend message', async (t) => {
  const { app } = await setup(t);
  const res = await request(app).get('/api/weather-data?services=open-meteo');
  t.is(res.status, 503);
  t.is(res.body.error, 'Failed to resolve location from any source.');
});

test('an unknown service is a 400 naming it', async (t) => {
  const { fake, app } = await setup(t);
  const res = await request(app).get('/api/weather-data?location=Tokyo&services=open-meteo,accuweather');
  t.is(res.status, 400);
  t.regex(res.body.error, /^services: unknown service 'accuweather'/);
  t.is(fake.requests.length, 0);
});

test('an upstream that is down is an error in each entry, the request still answers', async (t) => {
  const { fake, app } = await setup(t, { key: 'owm-real-key' });
  fake.mode = 'error500';
  const res = await request(app).get('/api/weather-data?location=Tokyo');
  t.is(res.status, 200);
  t.regex(res.body['open-meteo'].error, /^open-meteo geocoding \(.*\) answered 500/);
  t.regex(res.body.openweather.error, /^openweather answered 500/);
});
