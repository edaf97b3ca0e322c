import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'pimesh-config-'));

test('with nothing configured the node serves on :8080 with the simulator and its jobs', (t) => {
  const cwd = emptyDir();
  const { config, profile } = loadConfig({ cwd, env: {} });
  t.is(config.http.port, 8080);
  t.is(config.http.host, '0.0.0.0');
  t.is(config.chargeController.source, 'sim');
  t.is(config.chargeController.sampleIntervalSeconds, 120);
  t.is(config.dataDir, join(cwd, 'data'));
  t.is(config.peersDir, join(cwd, 'peers'));
  t.is(config.mdns, 'on');
  t.true(config.schedule.enabled);
  t.true(config.schedule.cadence.enabled);
  t.deepEqual(config.network.seeds, []);
  t.is(profile.name, 'pi');
});

test('every PIMESH_* variable is honoured', (t) => {
  const cwd = emptyDir();
  const { config } = loadConfig({
    cwd,
    env: {
      PIMESH_PORT: '9090',
      PIMESH_HOST: '127.0.0.1',
      PIMESH_DATA_DIR: '/var/lib/pimesh/data',
      PIMESH_PEERS_DIR: '/var/lib/pimesh/peers',
      PIMESH_NETWORK_KEY: 'network-secret',
      PIMESH_NETWORK_KEY_HASH: '$2y$10$mCxhv3NC4/lkSycnD85XLuw/AYBCxw1ElmCqeksR.f88BTZoXXuca',
      PIMESH_ADMIN_KEY: 'admin-secret',
      PIMESH_CHARGE_CONTROLLER: '/dev/ttyUSB0',
      PIMESH_NAME: 'Roof',
      PIMESH_MAC: 'b8:27:eb:00:00:01',
      PIMESH_PUBLIC_IP: '203.0.113.7',
      PIMESH_SEEDS: '10.0.0.2:8080, node.example',
      PIMESH_MDNS: '127.0.0.1',
      PIMESH_SCHEDULE: 'off',
      TZ: 'America/New_York',
    },
  });
  t.is(config.http.port, 9090);
  t.is(config.http.host, '127.0.0.1');
  t.is(config.dataDir, '/var/lib/pimesh/data');
  t.is(config.peersDir, '/var/lib/pimesh/peers');
  t.is(config.network.key, 'network-secret');
  t.is(config.network.keyHash?.slice(0, 7), '$2y$10$');
  t.is(config.adminKey, 'admin-secret');
  t.is(config.chargeController.source, '/dev/ttyUSB0');
  t.deepEqual(config.identity, { name: 'Roof', mac: 'b8:27:eb:00:00:01', publicIp: '203.0.113.7' });
  t.deepEqual(config.network.seeds, ['10.0.0.2:8080', 'node.example']);
  t.is(config.mdns, '127.0.0.1');
  t.false(config.schedule.enabled);
  t.is(config.timezone, 'America/New_York');
});

test('variables override the config file', (t) => {
  const cwd = emptyDir();
  writeFileSync(
    join(cwd, 'pimesh.config.json'),
    JSON.stringify({ http: { port: 7000 }, chargeController: { source: 'none' } }),
  );
  const { config, sources } = loadConfig({ cwd, env: { PIMESH_PORT: '7001' } });
  t.is(config.http.port, 7001);
  t.is(config.chargeController.source, 'none');
  t.is(sources.length, 2);
});

test('every problem is reported at once, with its path and variable', (t) => {
  const cwd = emptyDir();
  writeFileSync(
    join(cwd, 'pimesh.config.json'),
    JSON.stringify({ http: { port: 'x' }, bogus: 1, chargeController: { sampleIntervalSeconds: 7 } }),
  );
  writeFileSync(join(cwd, 'local.json'), JSON.stringify({ name: 'n', pvWatts: '-5' }));
  const error = t.throws(
    () =>
      loadConfig({
        cwd,
        env: {
          PIMESH_MAC: 'not-a-mac',
          PIMESH_CHARGE_CONTROLLER: 'usb',
          PIMESH_MDNS: 'maybe',
          PIMESH_SCHEDULE: 'perhaps',
        },
      }),
    { instanceOf: ConfigError },
  );
  const text = error.problems.join('\n');
  t.regex(text, /http\.port: /);
  t.regex(text, /bogus/);
  t.regex(text, /chargeController\.sampleIntervalSeconds: must divide/);
  t.regex(text, /identity\.mac \(PIMESH_MAC\): must be a MAC address/);
  t.regex(text, /chargeController\.source \(PIMESH_CHARGE_CONTROLLER\): must be "sim", "none"/);
  t.regex(text, /mdns \(PIMESH_MDNS\)/);
  t.regex(text, /schedule\.enabled \(PIMESH_SCHEDULE\)/);
  t.regex(text, /localJson\.pvWatts: must be a positive number/);
  t.true(error.problems.length >= 8);
});

test('an explicit config file that is missing or not JSON is an error', (t) => {
  const cwd = emptyDir();
  t.throws(() => loadConfig({ cwd, env: {}, configPath: 'nope.json' }), { message: /config file not found/ });
  writeFileSync(join(cwd, 'bad.json'), '{ nope');
  t.throws(() => loadConfig({ cwd, env: {}, configPath: 'bad.json' }), { instanceOf: ConfigError });
});

test('the node profile is read from PIMESH_LOCAL_JSON in the original format', (t) => {
  const cwd = emptyDir();
  writeFileSync(
    join(cwd, 'node.json'),
    JSON.stringify({ name: 'Roof', lat: '40.65 N', long: '73.94 W', pvWatts: '60' }),
  );
  const { profile } = loadConfig({ cwd, env: { PIMESH_LOCAL_JSON: 'node.json' } });
  t.is(profile.name, 'Roof');
  t.is(profile.latitude, 40.65);
  t.is(profile.longitude, -73.94);
  t.is(profile.pvWatts, 60);
  t.is(profile.raw.pvWatts, '60');
  t.throws(() => loadConfig({ cwd, env: { PIMESH_LOCAL_JSON: 'missing.json' } }), {
    message: /localJson: .* not found/,
  });
});
