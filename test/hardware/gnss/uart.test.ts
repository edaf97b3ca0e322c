/**
 * GET /api/hardware/gps/uart against simulated receivers behind socat PTY pairs: an NMEA talker with a
 * corrupted line, a missing port, a silent one, one at the wrong baud rate, and bad parameters.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import {
  type UartRead,
  UartReader,
  type UartReaderDefaults,
} from '../../../src/hardware/gnss/uart-reader.js';
import { gnssRoutes } from '../../../src/http/routes/gnss.js';
import { needs } from '../../helpers/needs.js';
import { nmeaFixture, startNmeaTalker } from '../../helpers/nmea-talker.js';
import { routeApp } from '../../helpers/route-app.js';
import { openPtyPair, type PtyPair } from '../../helpers/socat.js';

const LOG = fileURLToPath(new URL('../../fixtures/gnss/fix-3d.nmea', import.meta.url));
/** The fixture's first GGA with its altitude changed (12.3 → 99.9) and the original checksum kept. */
const CORRUPTED = '$GPGGA,120000.00,4041.2345,N,07359.1234,W,1,08,1.0,99.9,M,-34.2,M,,*61';

function uartApp(defaults: Partial<UartReaderDefaults> & { port: string }) {
  const reader = new UartReader({
    baudRate: 9600,
    readMs: 500,
    maxReadMs: 10_000,
    maxSentences: 100,
    allowedPorts: ['/dev/ttyUSB97'],
    ...defaults,
  });
  const reads: { port?: string; durationMs?: number }[] = [];
  const uart = {
    defaults: reader.defaults,
    ports: reader.ports,
    allows: (path: string) => reader.allows(path),
    read(options: { port?: string; durationMs?: number }): Promise<UartRead> {
      reads.push(options);
      return reader.read(options);
    },
  };
  const app = routeApp((router) => gnssRoutes(router, { staleAfterSeconds: 10, uart }));
  return { app, reads };
}

async function ptyPair(t: ExecutionContext, dir?: string): Promise<PtyPair> {
  const pair = await openPtyPair(dir);
  t.teardown(() => pair.stop());
  return pair;
}

async function talker(t: ExecutionContext, path: string, lines: (string | Buffer)[], intervalMs = 10) {
  const running = await startNmeaTalker(path, lines, { intervalMs });
  t.teardown(() => running.stop());
  return running;
}

const serial = needs('socat');

/** One epoch of the fixture (RMC, GGA, GSA, 3 x GSV) with the corrupted GGA after the good one. */
async function epochWithCorruptedLine(): Promise<string[]> {
  const epoch = (await nmeaFixture(LOG)).slice(0, 6);
  return [...epoch.slice(0, 2), CORRUPTED, ...epoch.slice(2)];
}

serial(
  'an NMEA talker with a corrupted line: every sentence returned, the bad one flagged and left out of the fix',
  async (t) => {
    const pair = await ptyPair(t);
    const lines = await epochWithCorruptedLine();
    await talker(t, pair.hostPath, lines);
    const { app } = uartApp({ port: pair.devicePath });

    // Ended by maxSentences (100, about 14 epochs), not by the clock: the window is only a safety net.
    const response = await request(app.callback()).get('/api/hardware/gps/uart?seconds=10');
    t.is(response.status, 200, JSON.stringify(response.body));
    const body = response.body as UartRead;
    t.is(body.port, pair.devicePath);
    t.is(body.baud_rate, 9600);
    t.true(body.corrupted >= 1, `corrupted: ${body.corrupted}`);
    t.true(body.valid >= 6, `valid: ${body.valid}`);
    t.is(body.valid + body.corrupted, body.sentences.length);
    for (const sentence of body.sentences) {
      t.true(sentence.raw.startsWith('$G'), sentence.raw);
      t.true(lines.includes(sentence.raw), sentence.raw);
      t.is(sentence.checksum_ok, sentence.raw !== CORRUPTED, sentence.raw);
    }
    t.deepEqual(body.fix, {
      fix_type: '3D Fix',
      latitude: 40.687241667,
      longitude: -73.98539,
      altitude_m: 12.3,
      speed_mps: 0.257,
      track_deg: 54.7,
      time_utc: '2024-06-21T12:00:00.00Z',
      satellites_used: 8,
      satellites_in_view: 11,
      hdop: 1,
    });
  },
);

serial('a read stops at maxSentences before the time is up', async (t) => {
  const pair = await ptyPair(t);
  await talker(t, pair.hostPath, await nmeaFixture(LOG), 5);
  const { app } = uartApp({ port: pair.devicePath, maxSentences: 12 });
  const response = await request(app.callback()).get('/api/hardware/gps/uart?seconds=10');
  t.is(response.status, 200);
  t.is(response.body.sentences.length, 12);
  // The reader's own clock: had the window (10 s) ended the read, it would say 10000.
  t.true(response.body.duration_ms < 10_000, `read for ${response.body.duration_ms} ms`);
});

serial('a missing port is a 503 naming it; once the device is there, the read works', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-gnss-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'device');
  const { app } = uartApp({ port: path });

  const missing = await request(app.callback()).get('/api/hardware/gps/uart');
  t.is(missing.status, 503);
  t.is(missing.body.code, 'ERR_DEVICE_UNAVAILABLE');
  t.true(missing.body.error.startsWith(`${path} unavailable: cannot open serial port`), missing.body.error);

  const pair = await ptyPair(t, dir);
  await talker(t, pair.hostPath, await nmeaFixture(LOG));
  const back = await request(app.callback()).get('/api/hardware/gps/uart?seconds=10');
  t.is(back.status, 200);
  t.is(back.body.fix.fix_type, '3D Fix');
});

serial('a silent receiver is a 503 timeout after the seconds asked for', async (t) => {
  const pair = await ptyPair(t);
  const { app } = uartApp({ port: pair.devicePath });
  const started = performance.now();
  const response = await request(app.callback()).get('/api/hardware/gps/uart?seconds=0.3');
  const elapsed = performance.now() - started;
  t.is(response.status, 503);
  t.deepEqual(response.body, {
    error: `GNSS receiver on ${pair.devicePath} did not answer within 300 ms`,
    code: 'ERR_DEVICE_TIMEOUT',
  });
  // A lower bound only (a busy machine makes it later, never earlier): the whole window was waited.
  t.true(elapsed >= 290, `gave up after ${elapsed} ms`);
});

serial('bytes that are not NMEA (a wrong baud rate) are a 503 that says so', async (t) => {
  const pair = await ptyPair(t);
  await talker(t, pair.hostPath, [Buffer.from([0xff, 0x13, 0x80, 0xe6, 0x0a, 0x98])]);
  const { app } = uartApp({ port: pair.devicePath });
  // The talker writes every 10 ms: a window of 2 s leaves a busy machine time to deliver some bytes.
  const response = await request(app.callback()).get('/api/hardware/gps/uart?seconds=2');
  t.is(response.status, 503);
  t.is(response.body.code, 'ERR_NMEA_NONE');
  t.regex(response.body.error, /no NMEA sentence \(is 9600 baud right\?\)/);
});

serial('two requests at once share one read of the port', async (t) => {
  const pair = await ptyPair(t);
  await talker(t, pair.hostPath, await nmeaFixture(LOG));
  const { app } = uartApp({ port: pair.devicePath });
  const [a, b] = await Promise.all([
    request(app.callback()).get('/api/hardware/gps/uart?seconds=10'),
    request(app.callback()).get('/api/hardware/gps/uart?seconds=10'),
  ]);
  t.is(a.status, 200);
  t.deepEqual(a.body, b.body);
});

test('a configured other port can be named with ?port=; a missing one is a 503 naming it', async (t) => {
  const { app, reads } = uartApp({ port: '/nonexistent/gnss' });
  const response = await request(app.callback()).get('/api/hardware/gps/uart?port=/dev/ttyUSB97');
  t.is(response.status, 503);
  t.true(response.body.error.startsWith('/dev/ttyUSB97 unavailable:'), response.body.error);
  t.deepEqual(reads, [{ port: '/dev/ttyUSB97', durationMs: undefined }]);
});

test('bad parameters are a 400 naming them, and no port is opened', async (t) => {
  const { app, reads } = uartApp({ port: '/nonexistent/gnss', maxReadMs: 10_000 });
  const cases: [string, RegExp][] = [
    ['seconds=abc', /^seconds must be a number from 0.1 to 10$/],
    ['seconds=0', /^seconds/],
    ['seconds=10.5', /^seconds/],
    ['seconds=-1', /^seconds/],
    ['seconds=1&seconds=2', /^seconds must be given once/],
    ['port=/etc/passwd', /^port must be one of \/nonexistent\/gnss, \/dev\/ttyUSB97 \(gnss.uart.port/],
    ['port=/dev/ttyUSB0', /^port must be one of \/nonexistent\/gnss, \/dev\/ttyUSB97 /],
    ['port=', /^port/],
    ['port=/dev/ttyUSB0/../../etc/shadow', /^port/],
  ];
  for (const [query, message] of cases) {
    const response = await request(app.callback()).get(`/api/hardware/gps/uart?${query}`);
    t.is(response.status, 400, query);
    t.is(response.body.code, 'ERR_INPUT', query);
    t.regex(response.body.error, message, query);
  }
  t.deepEqual(reads, []);
});
