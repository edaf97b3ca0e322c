import test from 'ava';
import {
  decodeThrottled,
  parseClockHz,
  parseFirmware,
  parseMemoryBytes,
  parseTemperature,
  parseThrottled,
  parseVolts,
  piStatThrottled,
} from '../../src/system/vcgencmd.js';
import { VCGENCMD } from './samples.js';

test('measure_temp "temp=45.8\'C" is 45.8 °C', (t) => {
  t.is(parseTemperature(VCGENCMD.measure_temp), 45.8);
});

test('get_mem gpu "gpu=76M" is 79691776 bytes', (t) => {
  t.is(parseMemoryBytes(VCGENCMD['get_mem gpu']), 79691776);
});

test('measure_clock "frequency(48)=1500398464" is 1500398464 Hz', (t) => {
  t.is(parseClockHz(VCGENCMD['measure_clock arm']), 1500398464);
  t.is(parseClockHz(VCGENCMD['measure_clock v3d']), 500000000);
});

test('measure_volts core "volt=1.2000V" is 1.2 V', (t) => {
  t.is(parseVolts(VCGENCMD['measure_volts core']), 1.2);
});

test('get_throttled "throttled=0x50005" is read as hexadecimal', (t) => {
  t.is(parseThrottled(VCGENCMD.get_throttled), 0x50005);
  t.is(parseThrottled('throttled=0x0\n'), 0);
});

test('version is the whole output, trimmed', (t) => {
  const firmware = parseFirmware(VCGENCMD.version);
  t.true(firmware?.startsWith('Mar 17 2023 10:50:39'));
  t.true(firmware?.endsWith('(start)'));
  t.is(parseFirmware('  \n'), undefined);
});

test('output that does not match (an error from the firmware) is undefined, never a guess', (t) => {
  const error = 'error=2 error_msg="Command not registered"\n';
  t.is(parseTemperature(error), undefined);
  t.is(parseMemoryBytes(error), undefined);
  t.is(parseVolts(error), undefined);
  t.is(parseThrottled(error), undefined);
  t.is(parseClockHz(''), undefined);
});

test("0x50005 gives piStat's under_voltage and throttled true, freq_capped false", (t) => {
  t.deepEqual(piStatThrottled(0x50005), { under_voltage: true, freq_capped: false, throttled: true });
});

test('0x50000 gives all three piStat booleans false: they read the current bits only', (t) => {
  t.deepEqual(piStatThrottled(0x50000), { under_voltage: false, freq_capped: false, throttled: false });
});

test('0x2 gives freq_capped true', (t) => {
  t.deepEqual(piStatThrottled(0x2), { under_voltage: false, freq_capped: true, throttled: false });
});

test('the full decoding gives every current and "has occurred" bit', (t) => {
  t.deepEqual(decodeThrottled(0x50005), {
    under_voltage_now: true,
    freq_capped_now: false,
    throttled_now: true,
    soft_temp_limit_now: false,
    under_voltage_occurred: true,
    freq_capped_occurred: false,
    throttled_occurred: true,
    soft_temp_limit_occurred: false,
    raw: '0x50005',
  });
  const all = decodeThrottled(0xf000f);
  t.true(Object.entries(all).every(([key, value]) => key === 'raw' || value === true));
  const none = decodeThrottled(0);
  t.true(Object.entries(none).every(([key, value]) => key === 'raw' || value === false));
  t.is(none.raw, '0x0');
});

test('bit 3 and bits 16-19 each map to their own flag', (t) => {
  t.true(decodeThrottled(0x8).soft_temp_limit_now);
  t.true(decodeThrottled(0x10000).under_voltage_occurred);
  t.true(decodeThrottled(0x20000).freq_capped_occurred);
  t.true(decodeThrottled(0x40000).throttled_occurred);
  t.true(decodeThrottled(0x80000).soft_temp_limit_occurred);
  t.false(decodeThrottled(0x80000).soft_temp_limit_now);
});
