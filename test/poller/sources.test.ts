import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AdminKey } from '../../src/http/admin-auth.js';
import { silentLogger } from '../../src/log.js';
import { piBackendConfigSchema } from '../../src/pi-backend/config.js';
import { createPiBackend } from '../../src/pi-backend/index.js';
import { pollerConfigSchema } from '../../src/poller/config.js';
import { setupPoller } from '../../src/poller/index.js';
import { piBackendPolls } from '../../src/poller/sources.js';
import { fakeUpstreams, startWeatherFake } from '../helpers/open-meteo-fake.js';

async function setup(t: import('ava').ExecutionContext, defaultLocation?: string) {
  const fake = await startWeatherFake();
  t.teardown(() => fake.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'pimesh-src-'));
  const piBackendConfig = piBackendConfigSchema.parse({ upstreams: fakeUpstreams(fake), defaultLocation });
  const backend = createPiBackend(piBackendConfig, {
    dataDir,
    adminKey: new AdminKey(),
    log: silentLogger(),
  });
  return { fake, dataDir, backend, piBackendConfig };
}

test('the weather poll fetches the configured services for the default place', async (t) => {
  const { backend, piBackendConfig } = await setup(t, 'Tokyo');
  const polls = piBackendPolls(backend, {
    weatherServices: ['open-meteo'],
    climate: piBackendConfig.climate,
  });
  const data = (await polls.weather?.()) as Record<string, { location: { name: string } }>;
  t.deepEqual(Object.keys(data), ['open-meteo']);
  t.is(data['open-meteo'].location.name, 'Tokyo');
});

test('the climate poll asks the climate API for the next windowDays with the configured model', async (t) => {
  const { fake, backend, piBackendConfig } = await setup(t, 'Tokyo');
  const now = Date.UTC(2025, 5, 27, 15);
  const polls = piBackendPolls(backend, {
    weatherServices: ['open-meteo'],
    climate: piBackendConfig.climate,
    clock: () => now,
  });
  const data = (await polls.climate?.()) as { location: { name: string }; climate: { daily: object } };
  t.is(data.location.name, 'Tokyo');
  t.truthy(data.climate.daily);
  const request = fake.requests.find((r) => r.url.pathname === '/v1/climate');
  t.like(Object.fromEntries(request?.url.searchParams ?? []), {
    latitude: '35.6895',
    longitude: '139.69171',
    start_date: '2025-06-27',
    end_date: '2025-07-26',
    models: 'EC_Earth3P_HR',
  });
});

test('the weather poll fails (and is not stored) when there is no place to ask about', async (t) => {
  const { backend, piBackendConfig } = await setup(t);
  const polls = piBackendPolls(backend, {
    weatherServices: ['open-meteo'],
    climate: piBackendConfig.climate,
  });
  await t.throwsAsync(polls.weather?.() as Promise<unknown>, {
    message: 'Failed to resolve location from any source.',
  });
});

test('the system poll combines CPU and memory use', async (t) => {
  const { backend, piBackendConfig } = await setup(t);
  const polls = piBackendPolls(backend, {
    weatherServices: ['open-meteo'],
    climate: piBackendConfig.climate,
  });
  const data = (await polls.system?.()) as Record<string, number>;
  t.is(typeof data.cpu_usage_percent, 'number');
  t.is(typeof data.memory_usage_percent, 'number');
});

test("setupPoller builds no poller when off, and the file's sources when on", async (t) => {
  const { dataDir, backend, piBackendConfig } = await setup(t, 'Tokyo');
  const log = silentLogger();
  const off = await setupPoller(pollerConfigSchema.parse({}), { dataDir, log, backend, piBackendConfig });
  t.is(off.poller, undefined);
  t.is(off.store.dir, join(dataDir, 'polled'));

  const on = pollerConfigSchema.parse({ enabled: true });
  const gps = async () => ({ latitude: 1, longitude: 2 });
  const defaults = await setupPoller(on, { dataDir, log, backend, piBackendConfig, extra: { gps } });
  t.deepEqual(defaults.poller?.sources, ['weather', 'climate', 'gps']);

  writeFileSync(join(dataDir, 'poller_config.ini'), '[Frequencies]\ngps_seconds = 5\nsystem_seconds = 60\n');
  const fromFile = await setupPoller(on, { dataDir, log, backend, piBackendConfig, extra: { gps } });
  t.deepEqual(
    fromFile.poller?.stats().map((s) => [s.source, s.cronTime]),
    [
      ['gps', '*/5 * * * * *'],
      ['system', '0 */1 * * * *'],
    ],
  );

  writeFileSync(join(dataDir, 'poller_config.ini'), '[Frequencies]\ngps_seconds = five\n');
  await t.throwsAsync(setupPoller(on, { dataDir, log, backend, piBackendConfig }), {
    message: /gps_seconds must be a whole number of seconds/,
  });
});
