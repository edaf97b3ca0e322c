import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import test, { type ExecutionContext } from 'ava';
import type { PimeshError } from '../../../src/errors.js';
import { LteModem, type LteModemOptions, LteModems } from '../../../src/hardware/lte/modem.js';
import { AtModemSim, mockAtModem } from '../../helpers/at-modem.js';
import { needs } from '../../helpers/needs.js';
import { pluggablePtyDevice } from '../../helpers/serial-device.js';
import { until } from '../../helpers/until.js';

/** In-process MockBinding answers at once; through socat a busy machine may take a while. */
const MOCK_TIMEOUT_MS = 500;
const PTY_TIMEOUT_MS = 2000;

const HEALTHY = {
  signal_quality: '+CSQ: 17,99',
  network_registration: '+CREG: 0,1',
  operator_info: '+COPS: 0,0,"Operator",7',
  decoded: {
    rssi_dbm: -79,
    ber: null,
    registration: 'registered (home)',
    registered: true,
    operator: 'Operator',
    access_technology: 'E-UTRAN',
  },
  timeouts: [],
  errors: [],
};

/** One simulated modem behind some transport, plus the means to yank and restore it. */
interface Rig {
  sim: AtModemSim;
  path: string;
  modem(options?: Partial<LteModemOptions>): LteModem;
  /** The modems' timeout per command. */
  timeoutMs: number;
  missingPath: string;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

interface Harness {
  name: string;
  /** How its tests are registered: `test`, or skipped (failing under CI) without socat. */
  register: (title: string, body: (t: ExecutionContext) => Promise<void>) => void;
  setup(t: ExecutionContext): Promise<Rig>;
}

const mockHarness: Harness = {
  name: 'mock binding',
  register: test,
  async setup() {
    const sim = new AtModemSim();
    const path = `/dev/ttyMOCK-lte-${randomUUID()}`;
    const device = mockAtModem(path, sim);
    return {
      sim,
      path,
      modem: (options = {}) =>
        new LteModem({ path, commandTimeoutMs: MOCK_TIMEOUT_MS, binding: device.binding, ...options }),
      timeoutMs: MOCK_TIMEOUT_MS,
      missingPath: `/dev/ttyMOCK-missing-${randomUUID()}`,
      unplug: async () => device.unplug(),
      replug: async () => device.replug(),
    };
  },
};

const ptyHarness: Harness = {
  name: 'socat pty',
  register: needs('socat'),
  async setup(t) {
    const sim = new AtModemSim();
    const device = await pluggablePtyDevice(t, 'pimesh-lte-', sim);
    const path = device.path;
    return {
      sim,
      path,
      modem: (options = {}) => new LteModem({ path, commandTimeoutMs: PTY_TIMEOUT_MS, ...options }),
      timeoutMs: PTY_TIMEOUT_MS,
      missingPath: device.missingPath,
      unplug: device.unplug,
      replug: device.plug,
    };
  },
};

type Case = (t: ExecutionContext, rig: Rig) => Promise<void>;

const cases: Record<string, Case> = {
  async 'a healthy modem gives the three raw lines and their decoded values'(t, rig) {
    t.deepEqual(await rig.modem().status(), { ...HEALTHY, port: rig.path });
    t.deepEqual(rig.sim.received, ['AT', 'AT+CSQ', 'AT+CREG?', 'AT+COPS?']);
  },

  async 'a modem with echo off answers the same'(t, rig) {
    rig.sim.echo = false;
    t.deepEqual(await rig.modem().status(), { ...HEALTHY, port: rig.path });
  },

  async 'ERROR for one command makes that value null and lists it; the others still answer'(t, rig) {
    rig.sim.fault('AT+COPS?', 'error');
    const status = await rig.modem().status();
    t.is(status.operator_info, null);
    t.is(status.decoded.operator, null);
    t.is(status.decoded.access_technology, null);
    t.deepEqual(status.errors, ['AT+COPS?']);
    t.deepEqual(status.timeouts, []);
    t.is(status.signal_quality, '+CSQ: 17,99');
    t.is(status.network_registration, '+CREG: 0,1');
  },

  async '+CME ERROR counts as an error too'(t, rig) {
    rig.sim.fault('AT+CSQ', 'cme-error');
    const status = await rig.modem().status();
    t.is(status.signal_quality, null);
    t.is(status.decoded.rssi_dbm, null);
    t.deepEqual(status.errors, ['AT+CSQ']);
  },

  async 'silence for one command makes that value null after one timeout and notes it'(t, rig) {
    rig.sim.fault('AT+CREG?', 'silent');
    const started = performance.now();
    const status = await rig.modem().status();
    const elapsed = performance.now() - started;
    t.is(status.network_registration, null);
    t.is(status.decoded.registration, null);
    t.deepEqual(status.timeouts, ['AT+CREG?']);
    t.is(status.signal_quality, '+CSQ: 17,99');
    t.is(status.operator_info, '+COPS: 0,0,"Operator",7');
    t.deepEqual(rig.sim.received, ['AT', 'AT+CSQ', 'AT+CREG?', 'AT+COPS?'], 'no command sent twice');
    // A lower bound only (a busy machine makes it later, never earlier): the silence was waited out.
    t.true(elapsed >= rig.timeoutMs - 20, `gave up after ${elapsed} ms`);
  },

  async 'a modem that answers nothing is a 503 timeout after the AT probe alone'(t, rig) {
    rig.sim.faultAll('silent');
    const error = await t.throwsAsync<PimeshError>(rig.modem().status());
    t.is(error?.code, 'ERR_DEVICE_TIMEOUT');
    t.is(error?.status, 503);
    t.true(error?.message.includes(rig.path));
    t.deepEqual(rig.sim.received, ['AT'], 'nothing is sent after the unanswered probe');
  },

  async 'a missing port is a 503 naming the port'(t, rig) {
    const error = await t.throwsAsync<PimeshError>(rig.modem({ path: rig.missingPath }).status());
    t.is(error?.code, 'ERR_DEVICE_UNAVAILABLE');
    t.is(error?.status, 503);
    t.true(
      error?.message.startsWith(`LTE modem ${rig.missingPath} unavailable: cannot open serial port`),
      error?.message,
    );
  },

  async 'a modem unplugged mid-command is a 503; after re-plugging the next request works'(t, rig) {
    // Only the unplug can end the command in flight: its timeout is far off.
    const modem = rig.modem({ commandTimeoutMs: 60_000 });
    t.is((await modem.status()).signal_quality, '+CSQ: 17,99');
    rig.sim.fault('AT+CSQ', 'silent');
    const inFlight = modem.status();
    const asked = () => rig.sim.received.filter((line) => line === 'AT+CSQ').length;
    await until('the second AT+CSQ to be on the wire', () => asked() === 2);
    await rig.unplug();
    const error = await t.throwsAsync<PimeshError>(inFlight);
    t.is(error?.code, 'ERR_DEVICE_UNAVAILABLE');
    t.true(error?.message.startsWith(`LTE modem ${rig.path} unavailable:`), error?.message);
    t.log(error?.message);
    const whileUnplugged = await t.throwsAsync<PimeshError>(modem.status());
    t.is(whileUnplugged?.code, 'ERR_DEVICE_UNAVAILABLE');
    rig.sim.fault('AT+CSQ', undefined);
    await rig.replug();
    t.deepEqual(await modem.status(), { ...HEALTHY, port: rig.path });
  },

  async 'concurrent requests on one port run one session at a time'(t, rig) {
    const modem = rig.modem();
    const answers = await Promise.all([modem.status(), modem.status(), modem.status()]);
    for (const answer of answers) t.is(answer.signal_quality, '+CSQ: 17,99');
    const session = ['AT', 'AT+CSQ', 'AT+CREG?', 'AT+COPS?'];
    t.deepEqual(rig.sim.received, [...session, ...session, ...session]);
  },

  async 'AT+CFUN=4 puts the modem in flight mode and AT+CFUN=1 brings it back'(t, rig) {
    const modem = rig.modem();
    await modem.setFunctionality('4');
    t.is(rig.sim.cfun, 4);
    const flight = await modem.status();
    t.is(flight.decoded.registration, 'not registered');
    t.is(flight.decoded.rssi_dbm, null);
    await modem.setFunctionality('1');
    t.deepEqual(await modem.status(), { ...HEALTHY, port: rig.path });
  },

  async 'AT+CFUN answered with ERROR is ERR_AT_COMMAND; silence is a timeout'(t, rig) {
    rig.sim.fault('AT+CFUN=4', 'error');
    const refused = await t.throwsAsync<PimeshError>(rig.modem().setFunctionality('4'));
    t.is(refused?.code, 'ERR_AT_COMMAND');
    t.true(refused?.message.includes('AT+CFUN=4 answered ERROR'));
    rig.sim.fault('AT+CFUN=4', 'silent');
    const silent = await t.throwsAsync<PimeshError>(
      rig.modem({ cfunTimeoutMs: rig.timeoutMs }).setFunctionality('4'),
    );
    t.is(silent?.code, 'ERR_DEVICE_TIMEOUT');
  },
};

for (const harness of [mockHarness, ptyHarness]) {
  for (const [title, run] of Object.entries(cases)) {
    harness.register(`${harness.name}: ${title}`, async (t) => run(t, await harness.setup(t)));
  }
}

test('requests piling up behind a slow modem are refused with 503 ERR_DEVICE_BUSY', async (t) => {
  const sim = new AtModemSim();
  const path = `/dev/ttyMOCK-lte-${randomUUID()}`;
  const device = mockAtModem(path, sim);
  const modem = new LteModem({ path, binding: device.binding, commandTimeoutMs: 100, maxQueued: 2 });
  sim.faultAll('silent');
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => modem.status()));
  const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as PimeshError).code : 'ok'));
  t.deepEqual(codes, [
    'ERR_DEVICE_TIMEOUT',
    'ERR_DEVICE_TIMEOUT',
    'ERR_DEVICE_TIMEOUT',
    'ERR_DEVICE_BUSY',
    'ERR_DEVICE_BUSY',
  ]);
  sim.faultAll(undefined);
  t.is((await modem.status()).signal_quality, '+CSQ: 17,99');
});

test('LteModems hands out one modem per port', (t) => {
  const modems = new LteModems();
  t.is(modems.get('/dev/ttyUSB2'), modems.get('/dev/ttyUSB2'));
  t.not(modems.get('/dev/ttyUSB2'), modems.get('/dev/ttyS0'));
});
