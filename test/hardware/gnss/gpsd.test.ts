/**
 * GNSS against a real gpsd fed by gpsfake with an NMEA log (test/fixtures/gnss/fix-3d.nmea): the 3D fix,
 * stale data once the feed stops, 503 while gpsd is gone, and recovery when it comes back.
 * gpsd listens on 127.0.0.1 only; nothing leaves loopback.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import type Koa from 'koa';
import request from 'supertest';
import { GpsdClient } from '../../../src/hardware/gnss/gpsd-client.js';
import { UartReader } from '../../../src/hardware/gnss/uart-reader.js';
import { gnssRoutes } from '../../../src/http/routes/gnss.js';
import { freePort, GPSFAKE_TOOLS, type Gpsfake, startGpsfake } from '../../helpers/gpsfake.js';
import { needs } from '../../helpers/needs.js';
import { routeApp } from '../../helpers/route-app.js';

const LOG = fileURLToPath(new URL('../../fixtures/gnss/fix-3d.nmea', import.meta.url));
const STALE_AFTER_SECONDS = 1;

function rig(t: ExecutionContext, port: number) {
  const client = new GpsdClient({
    port,
    connectTimeoutMs: 1000,
    idleProbeMs: 5000,
    reconnectMinMs: 100,
    reconnectMaxMs: 400,
  });
  t.teardown(() => client.stop());
  const uart = new UartReader({
    port: join('/nonexistent', 'gnss'),
    allowedPorts: [],
    baudRate: 9600,
    readMs: 200,
    maxReadMs: 1000,
    maxSentences: 10,
  });
  const app = routeApp((router) =>
    gnssRoutes(router, {
      gpsd: client,
      staleAfterSeconds: STALE_AFTER_SECONDS,
      uart,
      // As on a host without systemd: the gpsd connection decides.
      serviceState: async () => undefined,
    }),
  );
  return { client, app };
}

/** Polls `path` until `done(response)` or the deadline (a safety net); returns the last response. */
async function until(app: Koa, path: string, done: (r: request.Response) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request(app.callback()).get(path);
    if (done(response) || Date.now() > deadline) return response;
    await sleep(100);
  }
}

const fullFix = (r: request.Response) => r.status === 200 && r.body.satellites_used === 8;

async function feed(t: ExecutionContext, port: number): Promise<Gpsfake> {
  const gpsfake = await startGpsfake(LOG, port);
  t.teardown(() => gpsfake.stop());
  return gpsfake;
}

needs(...GPSFAKE_TOOLS).serial(
  'a 3D fix from gpsd, stale after the feed stops, 503 while gpsd is gone, back when it restarts',
  async (t) => {
    const port = await freePort();
    const { client, app } = rig(t, port);
    const address = `127.0.0.1:${port}`;
    client.start();

    // gpsd not running yet: a 503 naming gpsd and its address.
    const absent = await until(app, '/api/hardware/gps', (r) => /ECONNREFUSED/.test(r.body.error ?? ''));
    t.is(absent.status, 503);
    t.is(absent.body.code, 'ERR_DEVICE_UNAVAILABLE');
    t.true(absent.body.error.startsWith(`gpsd at ${address} unavailable:`), absent.body.error);

    let gpsfake = await feed(t, port);
    const fixed = await until(app, '/api/hardware/gps', fullFix);
    t.is(fixed.status, 200, JSON.stringify(fixed.body));
    t.like(fixed.body, {
      source: 'gpsd',
      fix_type: '3D Fix',
      latitude: 40.687241667,
      longitude: -73.98539,
      satellites_used: 8,
      satellites_in_view: 11,
      track_deg: 54.7,
    });
    // altHAE first: 12.3 m MSL + geoid separation -34.2 m.
    t.is(fixed.body.altitude_m, -21.9);
    t.is(Math.round(fixed.body.speed_mps * 1000), 257);
    t.regex(fixed.body.time_utc, /^2024-06-21T12:00:\d\d\.000Z$/);

    // A fresh TPV as seen by the status (a busy machine may deliver the next one a little late).
    const status = await until(
      app,
      '/api/hardware/gps/status',
      (r) => r.status === 200 && r.body.gpsd?.last_tpv_age_s < STALE_AFTER_SECONDS,
    );
    t.is(status.status, 200);
    t.is(status.body['gpsd.service'], 'active');
    t.like(status.body.gpsd, { state_from: 'gpsd connection', address, connected: true, version: '3.22' });
    t.true(status.body.gpsd.last_tpv_age_s < STALE_AFTER_SECONDS);
    t.is(status.body.gpsd.devices.length, 1);

    // The receiver goes quiet (gpsd stays up): stale once the window has passed.
    gpsfake.pause();
    const stale = await until(app, '/api/hardware/gps', (r) => r.status === 503);
    t.is(stale.body.code, 'ERR_GPS_STALE');
    t.true(stale.body.error.startsWith('Stale GPS data. '), stale.body.error);
    t.true(client.snapshot().connected);
    const staleStatus = await request(app.callback()).get('/api/hardware/gps/status');
    t.true(staleStatus.body.gpsd.last_tpv_age_s >= STALE_AFTER_SECONDS);

    // Fresh again when the feed resumes.
    gpsfake.resume();
    t.true(fullFix(await until(app, '/api/hardware/gps', fullFix)));

    // gpsd goes away: 503 naming it, and the status says inactive.
    await gpsfake.stop();
    const gone = await until(app, '/api/hardware/gps', (r) => r.body.code === 'ERR_DEVICE_UNAVAILABLE');
    t.is(gone.status, 503);
    t.true(gone.body.error.startsWith(`gpsd at ${address} unavailable:`), gone.body.error);
    const goneStatus = await request(app.callback()).get('/api/hardware/gps/status');
    t.is(goneStatus.body['gpsd.service'], 'inactive');
    t.false(goneStatus.body.gpsd.connected);

    // gpsd restarted: the client reconnects by itself.
    gpsfake = await feed(t, port);
    const back = await until(app, '/api/hardware/gps', fullFix);
    t.is(back.status, 200, JSON.stringify(back.body));
    t.like(back.body, {
      fix_type: '3D Fix',
      latitude: 40.687241667,
      longitude: -73.98539,
      satellites_in_view: 11,
    });
  },
);
