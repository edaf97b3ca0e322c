import { readFileSync } from 'node:fs';
import { cpus, uptime } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import request from 'supertest';
import { SystemCollector } from '../../src/system/collector.js';
import { monitorApp, UNLIMITED } from './app.js';

// The real collector on this machine: values vary, so types, keys and units are checked.
const { handler } = monitorApp(new SystemCollector(), { config: UNLIMITED });
const isPi = (() => {
  try {
    return readFileSync('/proc/device-tree/model', 'utf8').includes('Raspberry Pi');
  } catch {
    return false;
  }
})();

const KEYS = [
  'cpu_temp',
  'cpu_freq',
  'cpu_usage',
  'per_cpu_usage',
  'memory',
  'swap',
  'disk',
  'disk_io',
  'uptime',
  'load_avg',
  'timestamp',
  'gpu',
  'power',
  'clocks',
  'network',
  'hardware',
];

const KEYS_OF_DEVICE = ['device', 'mountpoint', 'filesystem', 'total', 'used', 'free', 'percent'];

const isPercent = (n: unknown) => typeof n === 'number' && n >= 0 && n <= 100;
const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;

test.serial('GET /stats answers every piStat key, in its order, with its units', async (t) => {
  const res = await request(handler).get('/stats?cache=false');
  t.is(res.status, 200);
  t.regex(res.headers['content-type'], /^application\/json/);
  const s = res.body;
  t.deepEqual(Object.keys(s), KEYS);
  t.true(s.cpu_temp === null || typeof s.cpu_temp === 'number');
  t.true(s.cpu_freq === null || s.cpu_freq > 0, 'MHz or null');
  t.true(isPercent(s.cpu_usage));
  t.is(s.per_cpu_usage.length, cpus().length);
  t.true(s.per_cpu_usage.every(isPercent));
  t.deepEqual(Object.keys(s.memory), ['total', 'available', 'used', 'percent']);
  t.true(isCount(s.memory.total) && s.memory.total > 1024 * 1024, 'bytes');
  t.is(s.memory.used, s.memory.total - s.memory.available);
  t.true(isPercent(s.memory.percent));
  t.deepEqual(Object.keys(s.swap), ['total', 'used', 'free', 'percent']);
  t.deepEqual(Object.keys(s.disk), ['total', 'used', 'free', 'percent']);
  t.true(isCount(s.disk.total) && s.disk.total > s.disk.free);
  t.deepEqual(Object.keys(s.disk_io), [
    'read_count',
    'write_count',
    'read_bytes',
    'write_bytes',
    'read_time',
    'write_time',
  ]);
  t.true(Object.values(s.disk_io).every(isCount));
  t.true(Math.abs(s.uptime - uptime()) < 5, 'seconds since boot');
  t.is(s.load_avg.length, 3);
  t.true(Math.abs(s.timestamp - Date.now() / 1000) < 5, 'epoch seconds');
  t.false('lo' in s.network);
  t.true(isCount(s.network.active_connections));
  t.is(typeof s.hardware, 'object');
  if (!isPi) {
    t.deepEqual([s.gpu, s.power, s.clocks], [{}, {}, {}], 'not a Pi: no invented figures');
    t.false('firmware' in s.hardware);
  }
});

test.serial('fields keeps only the named top-level keys, trimmed; unknown names are dropped', async (t) => {
  const res = await request(handler).get('/stats?fields=cpu_usage,%20memory,bogus');
  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body), ['cpu_usage', 'memory']);
  t.deepEqual(Object.keys(res.body.memory), ['total', 'available', 'used', 'percent']);
});

test.serial('fields naming nothing known is 200 {}; an empty fields is everything', async (t) => {
  const bogus = await request(handler).get('/stats?fields=bogus');
  t.is(bogus.status, 200);
  t.deepEqual(bogus.body, {});
  t.is(bogus.text, '{}');
  const all = await request(handler).get('/stats?fields=');
  t.deepEqual(Object.keys(all.body), KEYS);
  t.deepEqual((await request(handler).get('/stats?fields=memory.total')).body, {}, 'no dotted paths');
});

test.serial(
  'two requests within the cache time share one collection; cache=false and cache=0 collect afresh',
  async (t) => {
    const first = await request(handler).get('/stats?cache=false');
    const second = await request(handler).get('/stats');
    t.is(second.body.timestamp, first.body.timestamp);
    t.is((await request(handler).get('/stats?cache=TRUE')).body.timestamp, first.body.timestamp);
    for (const bypass of ['false', '0', 'no']) {
      await sleep(3);
      const fresh = await request(handler).get(`/stats?cache=${bypass}`);
      t.true(fresh.body.timestamp > first.body.timestamp, `cache=${bypass}`);
    }
  },
);

test.serial('block=true measures CPU usage over one second', async (t) => {
  const started = Date.now();
  const res = await request(handler).get('/stats?block=true&cache=false&fields=cpu_usage,per_cpu_usage');
  t.true(Date.now() - started >= 990);
  t.true(isPercent(res.body.cpu_usage));
});

test.serial(
  'GET /storage/devices on this machine: device-backed mounts with bytes, and disk_io',
  async (t) => {
    const res = await request(handler).get('/storage/devices');
    t.is(res.status, 200);
    t.deepEqual(Object.keys(res.body), ['devices', 'disk_io', 'timestamp']);
    for (const d of res.body.devices) {
      const keys =
        'access_error' in d ? ['device', 'mountpoint', 'filesystem', 'access_error'] : KEYS_OF_DEVICE;
      t.deepEqual(Object.keys(d), keys);
      t.false(['proc', 'sysfs', 'tmpfs', 'cgroup', 'devtmpfs'].includes(d.filesystem), d.filesystem);
    }
    t.is(Object.keys(res.body.disk_io).length, 6);
  },
);
