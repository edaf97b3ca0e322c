import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import { VERSION } from '../../src/version.js';
import { fakeUpstreams, startWeatherFake } from '../helpers/open-meteo-fake.js';
import { piBackendApp } from './app.js';

// Each test gets its own fake, so requests and modes do not mix between concurrent tests.
async function setup(t: ExecutionContext, options: Parameters<typeof piBackendApp>[0] = {}) {
  const fake = await startWeatherFake();
  t.teardown(() => fake.close());
  const app = piBackendApp({ upstreams: fakeUpstreams(fake), ...options }).app.callback();
  return { fake, app };
}

test('location=Tokyo&modules=forecast geocodes Tokyo and answers its coordinates and forecast', async (t) => {
  const { fake, app } = await setup(t);
  const res = await request(app).get('/api/location-data?location=Tokyo&modules=forecast');
  t.is(res.status, 200);
  t.like(res.body.location, {
    source: 'query',
    query: 'Tokyo',
    name: 'Tokyo',
    latitude: 35.6895,
    longitude: 139.69171,
    country_code: 'JP',
  });
  t.is(res.body.forecast.latitude, 35.6895);
  t.is(res.body.forecast.current.temperature_2m, 21.5);
  t.is(res.body.forecast.hourly.shortwave_radiation.length, 24);
  const [search, forecast] = fake.requests;
  t.is(search.url.pathname, '/v1/search');
  t.deepEqual(Object.fromEntries(search.url.searchParams), {
    name: 'Tokyo',
    count: '1',
    language: 'en',
    format: 'json',
  });
  t.is(forecast.url.pathname, '/v1/forecast');
  t.is(forecast.url.searchParams.get('latitude'), '35.6895');
  t.is(forecast.url.searchParams.get('longitude'), '139.69171');
  t.is(forecast.url.searchParams.get('timezone'), 'auto');
  t.is(search.userAgent, `pimesh/${VERSION}`);
});

test('modules may ask for forecast, astronomy and air_quality together; forecast is the default', async (t) => {
  const { app } = await setup(t);
  const all = await request(app).get(
    '/api/location-data?location=Paris&modules=forecast,astronomy,air_quality',
  );
  t.is(all.status, 200);
  t.deepEqual(Object.keys(all.body).sort(), ['air_quality', 'astronomy', 'forecast', 'location']);
  t.is(all.body.astronomy.daily.sunrise.length, 7);
  t.is(all.body.air_quality.current.european_aqi, 12);
  const plain = await request(app).get('/api/location-data?location=Paris');
  t.deepEqual(Object.keys(plain.body).sort(), ['forecast', 'location']);
});

test('an unknown module is a 400 naming it', async (t) => {
  const { app } = await setup(t);
  const res = await request(app).get('/api/location-data?location=Tokyo&modules=forecast,tides');
  t.is(res.status, 400);
  t.regex(res.body.error, /^modules: unknown module 'tides'/);
});

test('without a location the GNSS fix is used, with no geocoding', async (t) => {
  const { fake, app } = await setup(t, { gnssFix: async () => ({ latitude: 40.7, longitude: -74 }) });
  const res = await request(app).get('/api/location-data');
  t.is(res.status, 200);
  t.deepEqual(res.body.location, { source: 'gnss', latitude: 40.7, longitude: -74 });
  t.deepEqual(
    fake.requests.map((r) => r.url.pathname),
    ['/v1/forecast'],
  );
});

test('without a location and without a fix it is pi_backend error, as a 503', async (t) => {
  for (const gnssFix of [
    undefined,
    async () => undefined,
    async () => Promise.reject(new Error('gpsd down')),
  ]) {
    const { fake, app } = await setup(t, { gnssFix });
    const res = await request(app).get('/api/location-data?modules=forecast');
    t.is(res.status, 503);
    t.is(res.body.error, 'Failed to resolve location from any source.');
    t.is(fake.requests.length, 0);
  }
});

test('without a location or fix the configured default place is used', async (t) => {
  const { app } = await setup(t, { defaultLocation: 'London,UK' });
  const res = await request(app).get('/api/location-data');
  t.is(res.status, 200);
  t.like(res.body.location, { source: 'default', country_code: 'GB', latitude: 51.50853 });
});

test('lat and lon give the coordinates directly; a bad one is a 400 naming it', async (t) => {
  const { app } = await setup(t);
  const ok = await request(app).get('/api/location-data?lat=-33.9&lon=18.4');
  t.is(ok.status, 200);
  t.deepEqual(ok.body.location, { source: 'coordinates', latitude: -33.9, longitude: 18.4 });
  for (const [query, field] of [
    ['lat=91&lon=0', /^lat must be/],
    ['lat=1&lon=east', /^lon must be/],
    ['lat=1', /^lon is required/],
  ] as const) {
    const res = await request(app).get(`/api/location-data?${query}`);
    t.is(res.status, 400, query);
    t.regex(res.body.error, field);
  }
});

test('an unknown place is a 404 naming it', async (t) => {
  const { app } = await setup(t);
  const res = await request(app).get('/api/location-data?location=Atlantis');
  t.is(res.status, 404);
  t.is(res.body.error, "location 'Atlantis' not found");
});

test('London,UK searches London in GB; "Paris, Texas" picks the Texan one of several', async (t) => {
  const { fake, app } = await setup(t);
  const london = await request(app).get('/api/location-data?location=London,UK');
  t.like(london.body.location, { country_code: 'GB' });
  t.deepEqual(Object.fromEntries(fake.requests[0].url.searchParams), {
    name: 'London',
    count: '1',
    language: 'en',
    format: 'json',
    countryCode: 'GB',
  });
  const paris = await request(app).get(`/api/location-data?location=${encodeURIComponent('Paris, Texas')}`);
  t.like(paris.body.location, { country_code: 'US', admin1: 'Texas' });
});

test('an upstream answering 500 or garbage is a 502 naming it', async (t) => {
  const { fake, app } = await setup(t);
  for (const mode of ['error500', 'garbage'] as const) {
    fake.mode = mode;
    const res = await request(app).get('/api/location-data?location=Tokyo');
    t.is(res.status, 502, mode);
    t.regex(res.body.error, /^open-meteo geocoding \(http:\/\/127\.0\.0\.1:\d+\) answered/);
  }
});

test('an upstream that does not answer in time is a 503 naming it', async (t) => {
  const { fake, app } = await setup(t, { timeoutMs: 300 });
  fake.mode = 'hang';
  const res = await request(app).get('/api/location-data?lat=1&lon=2');
  t.is(res.status, 503);
  t.is(res.body.error, `open-meteo forecast (${fake.url}) did not answer within 300 ms`);
  t.is(res.body.code, 'ERR_UPSTREAM_TIMEOUT');
});

test('an upstream that is not there is a 503 naming it', async (t) => {
  const gone = await startWeatherFake();
  await gone.close();
  const app = piBackendApp({ upstreams: fakeUpstreams(gone) }).app.callback();
  const res = await request(app).get('/api/location-data?location=Tokyo');
  t.is(res.status, 503);
  t.is(res.body.error, `open-meteo geocoding (${gone.url}) unreachable: ECONNREFUSED`);
  t.is(res.body.code, 'ERR_UPSTREAM_UNAVAILABLE');
});
