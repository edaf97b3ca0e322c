import test from 'ava';
import request from 'supertest';
import { SystemCollector } from '../../src/system/collector.js';
import { execFileRunner } from '../../src/system/command-runner.js';
import { hostAt } from '../../src/system/host.js';
import { monitorApp, UNLIMITED } from './app.js';
import { fakeRunner, IWCONFIG_WLAN0, piRoot, removeRoots, VCGENCMD } from './samples.js';

test.after.always(removeRoots);

async function piApp(
  options: Parameters<typeof fakeRunner>[0] = {},
  extra: Record<string, string | undefined> = {},
) {
  const runner = fakeRunner(options);
  const root = await piRoot(extra);
  const source = new SystemCollector({ host: hostAt(root), run: runner.run });
  return { ...monitorApp(source, { config: UNLIMITED }), calls: runner.calls };
}

test('on a Pi, gpu, power and clocks come from vcgencmd (recorded output)', async (t) => {
  const { handler } = await piApp();
  const res = await request(handler).get('/stats');
  t.is(res.status, 200);
  t.deepEqual(res.body.gpu, { temperature: 45.8, memory: 79691776, v3d_clock: 500000000 });
  t.deepEqual(res.body.power, {
    core_voltage: 1.2,
    under_voltage: true,
    freq_capped: false,
    throttled: true,
    throttled_flags: {
      under_voltage_now: true,
      freq_capped_now: false,
      throttled_now: true,
      soft_temp_limit_now: false,
      under_voltage_occurred: true,
      freq_capped_occurred: false,
      throttled_occurred: true,
      soft_temp_limit_occurred: false,
      raw: '0x50005',
    },
  });
  t.deepEqual(res.body.clocks, { arm: 1500398464, core: 500000992, sdram: 400000000 });
  t.is(res.body.cpu_temp, 45.277, 'the cpu_thermal hwmon sensor, in °C');
});

test('get_throttled 0x50000 gives the three piStat booleans false; 0x2 gives freq_capped', async (t) => {
  const past = await piApp({ answers: { get_throttled: 'throttled=0x50000\n' } });
  const res = await request(past.handler).get('/stats');
  t.like(res.body.power, { under_voltage: false, freq_capped: false, throttled: false });
  t.like(res.body.power.throttled_flags, { under_voltage_occurred: true, throttled_occurred: true });
  const capped = await piApp({ answers: { get_throttled: 'throttled=0x2\n' } });
  t.like((await request(capped.handler).get('/stats')).body.power, {
    freq_capped: true,
    under_voltage: false,
  });
});

test('a failing vcgencmd subcommand leaves its key out, not null', async (t) => {
  const { handler } = await piApp({
    fail: ['get_mem gpu', 'get_throttled', 'measure_clock sdram'],
    answers: { 'measure_volts core': 'error=2 error_msg="Command not registered"\n' },
  });
  const res = await request(handler).get('/stats');
  t.deepEqual(res.body.gpu, { temperature: 45.8, v3d_clock: 500000000 });
  t.deepEqual(res.body.power, {});
  t.deepEqual(res.body.clocks, { arm: 1500398464, core: 500000992 });
});

test('the hardware description is read once: model without its NUL, serial, firmware, USB devices', async (t) => {
  const { handler, calls } = await piApp();
  const first = await request(handler).get('/stats?cache=false');
  await request(handler).get('/stats?cache=false');
  t.like(first.body.hardware, {
    model: 'Raspberry Pi 4 Model B Rev 1.2',
    serial: '10000000abcdef01',
    usb_devices: 4,
  });
  t.is(first.body.hardware.firmware, VCGENCMD.version.trim(), 'the whole output, trimmed');
  t.is(calls.filter((c) => c === 'vcgencmd version').length, 1);
  t.is(calls.filter((c) => c === 'vcgencmd measure_temp').length, 2, 'the live figures are read each time');
});

test('on a host that is not a Pi, vcgencmd is never run and gpu, power and clocks are {}', async (t) => {
  const { handler, calls } = await piApp(
    {},
    { 'proc/device-tree/model': undefined, 'proc/cpuinfo': 'processor\t: 0\n' },
  );
  const res = await request(handler).get('/stats');
  t.deepEqual([res.body.gpu, res.body.power, res.body.clocks], [{}, {}, {}]);
  t.deepEqual(res.body.hardware, { usb_devices: 4 });
  t.deepEqual(calls, []);
  t.false((await request(handler).get('/system/config')).body.is_raspberry_pi);
});

test('a Pi without vcgencmd installed: the keys are absent and the missing tool is not retried', async (t) => {
  const root = await piRoot();
  let spawns = 0;
  const source = new SystemCollector({
    host: hostAt(root),
    vcgencmd: '/nonexistent/vcgencmd',
    run: (cmd, args, timeoutMs) => {
      spawns++;
      return execFileRunner(cmd, args, timeoutMs);
    },
  });
  const { handler } = monitorApp(source, { config: UNLIMITED });
  const res = await request(handler).get('/stats');
  t.deepEqual([res.body.gpu, res.body.power, res.body.clocks], [{}, {}, {}]);
  t.false('firmware' in res.body.hardware);
  const before = spawns;
  await request(handler).get('/stats?cache=false');
  t.true(before <= 9);
  t.is(spawns, before, 'ENOENT is remembered');
  t.true((await request(handler).get('/system/config')).body.is_raspberry_pi);
});

test('network: no lo, psutil counters, wlan0 signal from /proc/net/wireless, sockets counted inside', async (t) => {
  const { handler } = await piApp();
  const res = await request(handler).get('/network/interfaces');
  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body.interfaces), ['eth0', 'wlan0', 'active_connections']);
  t.is(res.body.interfaces.active_connections, 3);
  t.deepEqual(res.body.interfaces.wlan0, {
    bytes_sent: 1234567,
    bytes_recv: 7654321,
    packets_sent: 1234,
    packets_recv: 4321,
    errin: 0,
    errout: 0,
    dropin: 5,
    dropout: 0,
    signal_strength: -61,
  });
  t.false('signal_strength' in res.body.interfaces.eth0);
  t.is(typeof res.body.timestamp, 'number');
  const stats = await request(handler).get('/stats?fields=network');
  t.deepEqual(stats.body.network, res.body.interfaces, '/stats carries the same map');
});

test("network: without /proc/net/wireless the signal comes from iwconfig (piStat's way)", async (t) => {
  const { handler, calls } = await piApp(
    { iwconfig: IWCONFIG_WLAN0 },
    {
      'proc/net/wireless': undefined,
    },
  );
  const res = await request(handler).get('/network/interfaces');
  t.is(res.body.interfaces.wlan0.signal_strength, -58);
  t.deepEqual(calls, ['iwconfig wlan0'], 'only wlan* interfaces are asked');
  const none = await piApp({}, { 'proc/net/wireless': undefined });
  const without = await request(none.handler).get('/network/interfaces');
  t.false('signal_strength' in without.body.interfaces.wlan0, 'no iwconfig: the key is absent');
});

test('storage: device-backed mounts with usage, an unreadable one flagged, disk_io over whole disks', async (t) => {
  const { handler } = await piApp();
  const res = await request(handler).get('/storage/devices');
  t.is(res.status, 200);
  const devices = res.body.devices as Record<string, unknown>[];
  t.deepEqual(
    devices.map((d) => [d.device, d.mountpoint, d.filesystem]),
    [
      ['/dev/mmcblk0p2', '/', 'ext4'],
      ['/dev/mmcblk0p1', '/boot/firmware', 'vfat'],
      ['/dev/sda1', '/media/usb stick', 'vfat'],
      ['/dev/sdb1', '/mnt/unplugged', 'ext4'],
    ],
  );
  for (const d of devices.slice(0, 3)) {
    t.deepEqual(Object.keys(d), ['device', 'mountpoint', 'filesystem', 'total', 'used', 'free', 'percent']);
    t.true((d.total as number) > 0 && (d.used as number) >= 0 && (d.free as number) >= 0);
  }
  t.deepEqual(devices[3], {
    device: '/dev/sdb1',
    mountpoint: '/mnt/unplugged',
    filesystem: 'ext4',
    access_error: true,
  });
  t.deepEqual(res.body.disk_io, {
    read_count: 12345,
    write_count: 6789,
    read_bytes: 987654 * 512,
    write_bytes: 456789 * 512,
    read_time: 5000,
    write_time: 7000,
  });
});

test('CPU usage is counted from /proc/stat: the first answer since boot, one figure per core', async (t) => {
  const { handler } = await piApp();
  const res = await request(handler).get('/stats?fields=cpu_usage,per_cpu_usage');
  t.deepEqual(Object.keys(res.body), ['cpu_usage', 'per_cpu_usage']);
  // (user + nice + system + irq) / all ticks = 105615 / 1228864
  t.is(res.body.cpu_usage, 8.6);
  t.is(res.body.per_cpu_usage.length, 4);
});
