/**
 * GET /api/hardware/gps/status (systemctl is-active gpsd.service, run for real against stand-in
 * systemctl scripts) and the gnss config section.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import { gnssConfigSchema } from '../../../src/hardware/gnss/config.js';
import type { GpsdSnapshot } from '../../../src/hardware/gnss/gpsd-client.js';
import { createGnss } from '../../../src/hardware/gnss/index.js';
import { systemctlIsActive } from '../../../src/hardware/gnss/service-state.js';
import { UartReader } from '../../../src/hardware/gnss/uart-reader.js';
import { type GnssDeps, gnssRoutes } from '../../../src/http/routes/gnss.js';
import { routeApp } from '../../helpers/route-app.js';
import { running, until } from '../../helpers/until.js';

async function script(t: ExecutionContext, body: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-systemctl-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'systemctl');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

const uart = new UartReader({
  port: '/nonexistent/gnss',
  allowedPorts: [],
  baudRate: 9600,
  readMs: 100,
  maxReadMs: 1000,
  maxSentences: 1,
});

function app(deps: Partial<GnssDeps>) {
  return routeApp((router) => gnssRoutes(router, { staleAfterSeconds: 10, uart, ...deps }));
}

test('systemctl is-active gpsd.service: the state it prints, also with a non-zero exit', async (t) => {
  const active = await script(
    t,
    '[ "$1 $2" = "is-active gpsd.service" ] && echo active || echo wrong-arguments',
  );
  t.is(await systemctlIsActive({ command: active })('gpsd.service'), 'active');
  const inactive = await script(t, 'echo inactive; exit 3');
  t.is(await systemctlIsActive({ command: inactive })('gpsd.service'), 'inactive');
});

test('no systemd, no systemctl or a hanging one: unknown (undefined), within the timeout', async (t) => {
  const noSystemd = await script(
    t,
    'echo "System has not been booted with systemd as init system" >&2; exit 1',
  );
  t.is(await systemctlIsActive({ command: noSystemd })('gpsd.service'), undefined);
  t.is(await systemctlIsActive({ command: '/nonexistent/systemctl' })('gpsd.service'), undefined);
  // It would never answer by itself: only the timeout can end the wait, and the kill end the process.
  const hangs = await script(t, 'echo $$ > "$(dirname "$0")/pid"\nexec sleep 3600');
  const pidFile = join(dirname(hangs), 'pid');
  t.teardown(async () => {
    try {
      process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
    } catch {}
  });
  t.is(await systemctlIsActive({ command: hangs, timeoutMs: 2000 })('gpsd.service'), undefined);
  const pid = Number(await readFile(pidFile, 'utf8'));
  t.true(await until('the hanging systemctl to be killed', () => !running(pid)));
});

test('a status asked often runs systemctl once per cache period', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-systemctl-runs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const runs = join(dir, 'runs');
  const command = await script(t, `echo run >> ${runs}; echo active`);
  let clock = 0;
  const query = systemctlIsActive({ command, cacheMs: 1000, now: () => clock });
  t.deepEqual(await Promise.all([query('gpsd.service'), query('gpsd.service'), query('gpsd.service')]), [
    'active',
    'active',
    'active',
  ]);
  clock = 999;
  await query('gpsd.service');
  t.is((await readFile(runs, 'utf8')).split('\n').filter(Boolean).length, 1);
  clock = 1000;
  await query('gpsd.service');
  t.is((await readFile(runs, 'utf8')).split('\n').filter(Boolean).length, 2);
});

test('the status answers what systemctl says, with the gpsd connection beside it', async (t) => {
  const snapshot: GpsdSnapshot = {
    address: '127.0.0.1:2947',
    connected: true,
    version: '3.22',
    devices: ['/dev/serial0'],
    tpv: { data: { class: 'TPV', mode: 3 }, receivedAt: 8_000 },
  };
  const response = await request(
    app({
      gpsd: { snapshot: () => snapshot },
      serviceState: async () => 'failed',
      now: () => 10_000,
    }).callback(),
  ).get('/api/hardware/gps/status');
  t.is(response.status, 200);
  t.deepEqual(response.body, {
    'gpsd.service': 'failed',
    gpsd: {
      state_from: 'systemctl',
      enabled: true,
      address: '127.0.0.1:2947',
      connected: true,
      version: '3.22',
      devices: ['/dev/serial0'],
      last_tpv_age_s: 2,
      last_sky_age_s: null,
      last_error: null,
    },
  });
});

test('with gpsd off in the configuration: status inactive, and the fix a 503 saying so', async (t) => {
  const server = app({ serviceState: async () => undefined });
  const status = await request(server.callback()).get('/api/hardware/gps/status');
  t.is(status.body['gpsd.service'], 'inactive');
  t.like(status.body.gpsd, { state_from: 'gpsd connection', enabled: false, connected: false });
  const fix = await request(server.callback()).get('/api/hardware/gps');
  t.is(fix.status, 503);
  t.deepEqual(fix.body, {
    error: 'gpsd unavailable: disabled in the configuration (gnss.gpsd.enabled)',
    code: 'ERR_DEVICE_UNAVAILABLE',
  });
});

test('the gnss config section: defaults, and messages that say what is wrong', (t) => {
  t.deepEqual(gnssConfigSchema.parse(undefined), {
    staleAfterSeconds: 10,
    gpsd: {
      enabled: true,
      host: '127.0.0.1',
      port: 2947,
      connectTimeoutMs: 3000,
      idleProbeMs: 10_000,
      reconnectMinMs: 1000,
      reconnectMaxMs: 30_000,
    },
    uart: {
      port: '/dev/serial0',
      allowedPorts: ['/dev/ttyS0', '/dev/ttyAMA0'],
      baudRate: 9600,
      readMs: 2000,
      maxReadMs: 10_000,
      maxSentences: 100,
    },
    systemctl: true,
  });
  const bad = gnssConfigSchema.safeParse({
    staleAfterSeconds: 0,
    gpsd: { port: 70_000, host: '' },
    uart: { port: 'serial0' },
    extra: 1,
  });
  const problems = (bad.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  t.deepEqual(problems, [
    'staleAfterSeconds: must be more than 0',
    'gpsd.host: must be a host name or address',
    'gpsd.port: must be a port number 1-65535',
    'uart.port: must be an absolute serial device path such as /dev/serial0',
    ': Unrecognized key: "extra"',
  ]);
});

test('the gnss config section: cross-field checks', (t) => {
  const bad = gnssConfigSchema.safeParse({
    gpsd: { reconnectMinMs: 5000, reconnectMaxMs: 1000 },
    uart: { readMs: 20_000, maxReadMs: 10_000 },
  });
  const problems = (bad.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  t.deepEqual(problems.sort(), [
    'gpsd.reconnectMaxMs: must be at least reconnectMinMs',
    'uart.readMs: must be at most maxReadMs',
  ]);
});

test('createGnss builds the route deps from the config section', async (t) => {
  const gnss = createGnss(gnssConfigSchema.parse({}));
  t.is(gnss.gpsd?.address, '127.0.0.1:2947');
  t.is(gnss.routes.uart.defaults.port, '/dev/serial0');
  t.is(typeof gnss.routes.serviceState, 'function');
  const off = createGnss(gnssConfigSchema.parse({ gpsd: { enabled: false }, systemctl: false }));
  t.is(off.gpsd, undefined);
  t.is(off.routes.serviceState, undefined);
  off.start();
  await off.stop();
  const response = await request(routeApp((router) => gnssRoutes(router, off.routes)).callback()).get(
    '/api/hardware/gps',
  );
  t.is(response.status, 503);
});
