import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AllowList, AllowListError } from '../../../src/ingest/lan-sensors/allow-list.js';
import {
  DEFAULT_ALLOW,
  lanSensorsConfigSchema,
  lanSensorsDbPath,
} from '../../../src/ingest/lan-sensors/config.js';
import { LanSensors } from '../../../src/ingest/lan-sensors/index.js';
import { silentLogger } from '../../../src/log.js';
import { startSensors, tempDb } from '../../helpers/lan-sensors.js';

test('an empty sensors section is off (no port) with the defaults', (t) => {
  const config = lanSensorsConfigSchema.parse(undefined);
  t.is(config.port, undefined);
  t.like(config, {
    host: '0.0.0.0',
    table: 'sensors',
    maxConnections: 256,
    maxPerAddress: 8,
    idleTimeoutMs: 30_000,
    retentionDays: 30,
    maxHistoryRows: 5_000_000,
    flushMs: 500,
    batchSize: 10_000,
    maxQueued: 100_000,
    webhookTimeoutMs: 5000,
    webhookRetries: 3,
    maxLiveClients: 16,
  });
  t.deepEqual(config.allow, DEFAULT_ALLOW);
  t.is(lanSensorsDbPath(config, '/var/lib/pimesh'), join('/var/lib/pimesh', 'sensors.db'));
  t.is(lanSensorsDbPath({ ...config, dbPath: '/srv/db.sqlite3' }, '/data'), '/srv/db.sqlite3');
});

test('every bad key is reported at once, with its path', (t) => {
  const result = lanSensorsConfigSchema.safeParse({
    port: 70_000,
    table: 'sensors; DROP TABLE x',
    allow: ['10.0.0.0/8', 'lan'],
    flushMs: 5000,
    webhookUrl: 'ftp://example.org/hook',
    maxPerAddress: 10,
    maxConnections: 5,
    colour: 'red',
  });
  t.false(result.success);
  const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
  t.deepEqual(paths, ['', 'allow.1', 'flushMs', 'port', 'table', 'webhookUrl']);
});

test('maxPerAddress may not exceed maxConnections, nor batchSize maxQueued', (t) => {
  const result = lanSensorsConfigSchema.safeParse({
    maxPerAddress: 10,
    maxConnections: 5,
    batchSize: 500,
    maxQueued: 100,
  });
  t.deepEqual(result.error?.issues.map((i) => i.path.join('.')).sort(), ['maxPerAddress', 'maxQueued']);
});

test('the default allow-list is loopback and the private ranges, IPv4 and IPv6', (t) => {
  const allow = new AllowList();
  for (const address of [
    '127.0.0.1',
    '::1',
    '::ffff:10.89.21.188',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.20',
    '169.254.3.4',
    'fd12:3456::1',
    'fe80::1%eth0',
  ]) {
    t.true(allow.allows(address), address);
  }
  for (const address of ['8.8.8.8', '172.32.0.1', '100.64.0.1', '2001:db8::1', '::ffff:8.8.8.8', 'garbage']) {
    t.false(allow.allows(address), address);
  }
});

test('an allow-list entry that is not an address or a network is refused, naming it', (t) => {
  for (const entry of ['lan', '10.0.0.0/33', '10.0.0.0/8/1', 'fe80::/129', '10.0.0.0/x']) {
    const error = t.throws(() => new AllowList([entry]), { instanceOf: AllowListError });
    t.is(error?.message, `"${entry}" is not an IP address or a network such as 192.168.0.0/16`);
  }
});

test('fromConfig builds the service of a sensors section; without a port it opens the file and listens nowhere', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pimesh-sensors-config-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const sensors = LanSensors.fromConfig(lanSensorsConfigSchema.parse({}), { dataDir, log: silentLogger() });
  await sensors.start();
  t.teardown(() => sensors.stop());
  t.is(sensors.port, undefined);
  t.is(sensors.counters().listener, null);
  t.deepEqual(sensors.latest(), []);
  t.true(existsSync(join(dataDir, 'sensors.db')));
});

test('a port already taken fails start with ERR_SENSORS_LISTEN and leaves the file closed', async (t) => {
  const { sensors: first, port } = await startSensors(t);
  t.truthy(first.port);
  const second = new LanSensors({ port, host: '127.0.0.1', dbPath: tempDb(t), log: silentLogger() });
  const error = await t.throwsAsync(() => second.start());
  t.is((error as { code?: string }).code, 'ERR_SENSORS_LISTEN');
  t.throws(() => second.store.db, { message: 'the sensor store is not open' });
});
