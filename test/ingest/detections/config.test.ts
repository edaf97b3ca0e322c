/**
 * The `detections` config section: off until something is configured, the original's defaults,
 * every problem reported with its path.
 */
import { join } from 'node:path';
import test from 'ava';
import { detectionsConfigSchema, detectionsDbPath } from '../../../src/ingest/detections/config.js';

test('an empty section is off, with the original defaults and SQLite in the data dir', (t) => {
  const config = detectionsConfigSchema.parse(undefined);
  t.false(config.enabled);
  t.like(config, {
    devicesPerPerson: 1.5,
    thresholds: { near: -60, medium: -75 },
    readsPublic: true,
    statsIntervalSeconds: 30,
    agentKeys: {},
    deliveryKeyDays: 7,
    limits: { maxBodyBytes: 4 * 1024 * 1024, maxDetectionsPerBatch: 20_000, maxWebSocketClients: 64 },
    postgres: { poolSize: 4 },
    mqtt: { topic: 'tfg/detections/raw' },
  });
  t.is(config.databaseUrl, undefined);
  t.is(config.timezone, undefined);
  t.is(detectionsDbPath(config, '/var/lib/pimesh'), join('/var/lib/pimesh', 'detections.db'));
});

test('a key, an agent key, a database URL or a broker turns it on; enabled: false keeps it off', (t) => {
  for (const section of [
    { key: 'k' },
    { agentKeys: { 'rpi-001': 'k' } },
    { databaseUrl: 'postgres://pimesh@db/tfg' },
    { mqtt: { url: 'mqtt://broker:1883' } },
  ]) {
    t.true(detectionsConfigSchema.parse(section).enabled, JSON.stringify(section));
  }
  t.false(detectionsConfigSchema.parse({ key: 'k', enabled: false }).enabled);
});

test('every bad key is reported at once, with its path', (t) => {
  const result = detectionsConfigSchema.safeParse({
    databaseUrl: 'mysql://x',
    timezone: 'Mars/Olympus',
    thresholds: { near: -80, medium: -70 },
    devicesPerPerson: 0,
    agentKeys: { ['x'.repeat(51)]: 'k' },
    limits: { maxWebSocketClients: 0 },
    bogus: true,
  });
  t.false(result.success);
  const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
  t.deepEqual(paths, [
    '',
    'agentKeys.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    'databaseUrl',
    'devicesPerPerson',
    'limits.maxWebSocketClients',
    'thresholds.near',
    'timezone',
  ]);
});
