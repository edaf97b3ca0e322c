import test from 'ava';
import {
  decodeCops,
  decodeCreg,
  decodeCsq,
  finalResult,
  frameCommand,
  parseFields,
  pickAnswer,
  splitLines,
} from '../../../src/hardware/lte/at-codec.js';

test('a command is framed as CMD\\r\\n', (t) => {
  t.deepEqual(frameCommand('AT+CSQ'), Buffer.from('AT+CSQ\r\n'));
});

test('framing refuses anything but one AT command line', (t) => {
  t.throws(() => frameCommand('AT+CSQ\r\nAT+CFUN=0'));
  t.throws(() => frameCommand('+CSQ'));
});

test('received text splits into trimmed lines, keeping an unfinished last line', (t) => {
  t.deepEqual(splitLines('AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n+CRE'), {
    lines: ['AT+CSQ', '+CSQ: 17,99', 'OK'],
    rest: '+CRE',
  });
});

test('final result codes are OK, ERROR and the +CME/+CMS errors; other lines are not final', (t) => {
  t.deepEqual(finalResult('OK'), { kind: 'ok' });
  t.deepEqual(finalResult('ERROR'), { kind: 'error', line: 'ERROR' });
  t.deepEqual(finalResult('+CME ERROR: 10'), { kind: 'error', line: '+CME ERROR: 10' });
  t.deepEqual(finalResult('+CMS ERROR: 500'), { kind: 'error', line: '+CMS ERROR: 500' });
  t.is(finalResult('+CSQ: 17,99'), undefined);
  t.is(finalResult('AT+CSQ'), undefined);
});

test('the answer is the first line with the prefix, the echo is skipped, and ERROR first means null', (t) => {
  t.is(pickAnswer(['AT+CSQ', '+CSQ: 17,99', 'OK'], '+CSQ:'), '+CSQ: 17,99');
  t.is(pickAnswer(['AT+CSQ', 'ERROR'], '+CSQ:'), null);
  t.is(pickAnswer(['AT+CSQ', '+CME ERROR: 10'], '+CSQ:'), null);
  t.is(pickAnswer([], '+CSQ:'), null);
});

test('fields honour quotes, so an operator name may contain a comma', (t) => {
  t.deepEqual(parseFields('+COPS: 0,0,"Tele, Co",7', '+COPS:'), [
    { text: '0', quoted: false },
    { text: '0', quoted: false },
    { text: 'Tele, Co', quoted: true },
    { text: '7', quoted: false },
  ]);
  t.is(parseFields('+CSQ: 1,2', '+CREG:'), undefined);
});

test('+CSQ rssi maps to dBm: 0 → -113, 1 → -111, n → -113 + 2n, 31 → -51, 99 → null', (t) => {
  t.deepEqual(decodeCsq('+CSQ: 0,0'), { rssi_dbm: -113, ber: 0 });
  t.deepEqual(decodeCsq('+CSQ: 1,99'), { rssi_dbm: -111, ber: null });
  t.deepEqual(decodeCsq('+CSQ: 2,99'), { rssi_dbm: -109, ber: null });
  t.deepEqual(decodeCsq('+CSQ: 17,99'), { rssi_dbm: -79, ber: null });
  t.deepEqual(decodeCsq('+CSQ: 30,7'), { rssi_dbm: -53, ber: 7 });
  t.deepEqual(decodeCsq('+CSQ: 31,99'), { rssi_dbm: -51, ber: null });
  t.deepEqual(decodeCsq('+CSQ: 99,99'), { rssi_dbm: null, ber: null });
  t.is(decodeCsq('+CSQ: ,'), undefined);
});

test('+CREG stat maps to text, from the read form and from the unsolicited form', (t) => {
  t.deepEqual(decodeCreg('+CREG: 0,1'), { stat: 1, registration: 'registered (home)', registered: true });
  t.deepEqual(decodeCreg('+CREG: 0,5'), { stat: 5, registration: 'registered (roaming)', registered: true });
  t.is(decodeCreg('+CREG: 0,0')?.registration, 'not registered');
  t.is(decodeCreg('+CREG: 0,2')?.registration, 'searching');
  t.is(decodeCreg('+CREG: 0,3')?.registration, 'registration denied');
  t.is(decodeCreg('+CREG: 0,4')?.registration, 'unknown');
  t.deepEqual(decodeCreg('+CREG: 2,1,"00C3","0000A1B2",7'), {
    stat: 1,
    registration: 'registered (home)',
    registered: true,
    lac: '00C3',
    ci: '0000A1B2',
  });
  t.deepEqual(decodeCreg('+CREG: 5,"00C3","A1B2"'), {
    stat: 5,
    registration: 'registered (roaming)',
    registered: true,
    lac: '00C3',
    ci: 'A1B2',
  });
  t.is(decodeCreg('+CREG: 2')?.registered, false);
});

test('+COPS gives the operator name and the access technology as text', (t) => {
  t.deepEqual(decodeCops('+COPS: 0,0,"Operator",7'), {
    mode: 'automatic',
    operator: 'Operator',
    access_technology: 'E-UTRAN',
  });
  t.deepEqual(decodeCops('+COPS: 1,2,"26201",2'), {
    mode: 'manual',
    operator: '26201',
    access_technology: 'UTRAN',
  });
  t.deepEqual(decodeCops('+COPS: 0,0,"Op",0'), {
    mode: 'automatic',
    operator: 'Op',
    access_technology: 'GSM',
  });
  t.deepEqual(decodeCops('+COPS: 0'), { mode: 'automatic', operator: null, access_technology: null });
  t.is(decodeCops('+COPS: x'), undefined);
});
