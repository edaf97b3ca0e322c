import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { TracerDriver } from '../../src/hardware/charge-controller/tracer-driver.js';
import { logSample } from '../../src/jobs/log-sample.js';
import { silentLogger } from '../../src/log.js';
import { TRACER_HEADER_LINE } from '../../src/readings/tracer-csv.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { ModbusSlave, serveModbusSlave } from '../helpers/modbus-slave.js';
import { needs } from '../helpers/needs.js';
import { openPtyPair } from '../helpers/socat.js';

// 2021-02-24 07:50:13.445434 local, as the wall clock with sub-millisecond precision.
const CLOCK = () => new Date(2021, 1, 24, 7, 50, 13, 445).getTime() + 434 / 1000;

const serial = needs('socat');

serial('a sample read over a real serial line lands as the original CSV row', async (t) => {
  const pty = await openPtyPair();
  const slave = new ModbusSlave({
    registers: { 12544: [1323, 9, 132, 0, 1200, 11, 132, 0, 1200, 22, 264, 0, 0, 0, 0, 0], 12570: [33, 0] },
  });
  const device = await serveModbusSlave(pty.hostPath, slave);
  // A generous timeout: it only matters when the answer never comes, and a busy machine is slow.
  const controller = new TracerDriver({ path: pty.devicePath, timeoutMs: 5000, retries: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-log-'));
  try {
    const sample = await logSample({
      controller,
      store: new TracerStore(dir),
      log: silentLogger(),
      clock: CLOCK,
    });
    t.is(sample.file, 'tracerData2021-02-24.csv');
    t.false(sample.simulated);
    t.is(
      readFileSync(join(dir, 'tracerData2021-02-24.csv'), 'utf8'),
      `${TRACER_HEADER_LINE}\n2021-02-24 07:50:13.445434,13.23,0.09,1.32,0.0,12.0,0.11,1.32,0.0,12.0,0.22,2.64,0.33\n`,
    );
    t.deepEqual(
      slave.requests.map((r) => [r.address, r.count]),
      [
        [0x3100, 16],
        [0x311a, 2],
      ],
    );
  } finally {
    await controller.close();
    await device.stop();
    await pty.stop();
  }
});

test('a controller that is not there writes nothing and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-log-'));
  const controller = new TracerDriver({ path: join(dir, 'ttyUSB9'), timeoutMs: 100, retries: 0 });
  const error = await t.throwsAsync(
    logSample({ controller, store: new TracerStore(dir), log: silentLogger(), clock: CLOCK }),
  );
  t.is((error as { code?: string }).code, 'ERR_DEVICE_UNAVAILABLE');
  t.regex(error.message, /ttyUSB9/);
  t.false(existsSync(join(dir, 'tracerData2021-02-24.csv')));
  await controller.close();
});
