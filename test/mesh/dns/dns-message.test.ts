import { createHmac } from 'node:crypto';
import test from 'ava';
import {
  decodeMessage,
  encodeName,
  encodeQuery,
  encodeUpdateA,
  rcodeName,
} from '../../../src/mesh/dns/dns-message.js';
import { signMessage, type TsigKey, verifyTsig } from '../../../src/mesh/dns/tsig.js';

// Captured on 127.0.0.1 through a logging TCP proxy (TCP length prefixes removed): BIND 9.18's
// `nsupdate -v -k ddns.key` sending "update delete poe.example.test. A / update add poe.example.test. 60 A
// 192.0.2.7" to `named`, named's answers, and `dig +tcp -y hmac-sha256:ddns-key:…` querying the record.
// The key is a throwaway made by `tsig-keygen -a hmac-sha256 ddns-key` for that capture.
const KEY: TsigKey = {
  name: 'ddns-key',
  algorithm: 'hmac-sha256',
  secret: Buffer.from('NQ5IuBQ3vMQdRuoIh58l1KmkEvruKWIktgbr8deNtO8=', 'base64'),
};
const hex = (s: string) => Buffer.from(s, 'hex');
const NSUPDATE_REQUEST = hex(
  '30b428000001000000020001076578616d706c650474657374000006000103706f65c00c000100ff000000000000c01e' +
    '000100010000003c0004c00002070864646e732d6b65790000fa00ff00000000003d0b686d61632d7368613235360000' +
    '006b013d82012c002090b065ea1bb1c7035c764e44848ed72cc65e4feceb2cbe4d6ba755d479e2478530b400000000',
);
const NAMED_NOERROR = hex(
  '30b4a8000001000000000001076578616d706c65047465737400000600010864646e732d6b65790000fa00ff00000000' +
    '003d0b686d61632d7368613235360000006b013d82012c002043ddb1fb1f8b25af948110aad65a5f1ec9bc6acd3394cd' +
    '5eaa2ff6798e88b31030b400000000',
);
/** named's answer to the same update signed with a wrong secret: NOTAUTH, TSIG error BADSIG, no MAC. */
const NAMED_BADSIG = hex(
  'c897a8090001000000000001076578616d706c65047465737400000600010864646e732d6b65790000fa00ff00000000' +
    '001d0b686d61632d7368613235360000006b013d82012c0000c89700100000',
);
const DIG_QUERY = hex(
  '78ac0120000100000000000203706f65076578616d706c650474657374000001000100002904d000000000000c000a00' +
    '0817e8aa805a332a630864646e732d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b013d82' +
    '012c0020e88e6bcbc7818a0eebcba45e8cb5bd7a8d693ac24bf3cebba9eb2c53b6cc4b2078ac00000000',
);
/** Its answer: a compressed owner name, an EDNS OPT record with a cookie, then the TSIG record. */
const NAMED_ANSWER = hex(
  '78ac8500000100010000000203706f65076578616d706c6504746573740000010001c00c000100010000003c0004c000' +
    '020700002904d000000000001c000a001817e8aa805a332a63010000006b013d8234ea7f0f9fb305230864646e732d6b' +
    '65790000fa00ff00000000003d0b686d61632d7368613235360000006b013d82012c0020eb9141393e1e6f1c516725b6' +
    '47398d22f4463f85c73d810f478ea68d247fd99378ac00000000',
);
const SIGNED_AT = 0x6b013d82;

test("nsupdate's signed request decodes, and its TSIG verifies with the key", (t) => {
  const request = decodeMessage(NSUPDATE_REQUEST);
  t.like(request, { id: 0x30b4, isResponse: false, opcode: 5, rcode: 0 });
  t.deepEqual(request.counts, { question: 1, answer: 0, authority: 2, additional: 1 });
  t.like(request.tsig, {
    keyName: 'ddns-key.',
    algorithm: 'hmac-sha256.',
    timeSigned: SIGNED_AT,
    fudge: 300,
    originalId: 0x30b4,
    error: 0,
  });
  t.deepEqual(verifyTsig(NSUPDATE_REQUEST, request, KEY), { valid: true });
});

test('signing the unsigned part of the request again gives byte for byte what nsupdate sent', (t) => {
  const { tsig } = decodeMessage(NSUPDATE_REQUEST);
  const unsigned = Buffer.from(NSUPDATE_REQUEST.subarray(0, tsig!.offset));
  unsigned.writeUInt16BE(0, 10); // ARCOUNT before the TSIG record was added
  const signed = signMessage(unsigned, KEY, { timeSigned: SIGNED_AT });
  t.deepEqual(signed.message, NSUPDATE_REQUEST);
  t.deepEqual(signed.mac, tsig!.mac);
});

test("named's signed answers verify only with the request's MAC, the right secret and an unaltered message", (t) => {
  const requestMac = decodeMessage(NSUPDATE_REQUEST).tsig!.mac;
  const answer = decodeMessage(NAMED_NOERROR);
  t.like(answer, { id: 0x30b4, isResponse: true, opcode: 5, rcode: 0 });
  t.deepEqual(verifyTsig(NAMED_NOERROR, answer, KEY, { requestMac }), { valid: true });
  t.deepEqual(verifyTsig(NAMED_NOERROR, answer, KEY), { valid: false, reason: 'the MAC does not match' });
  const wrongSecret = { ...KEY, secret: Buffer.alloc(32, 7) };
  t.false(verifyTsig(NAMED_NOERROR, answer, wrongSecret, { requestMac }).valid);
  const tampered = Buffer.from(NAMED_NOERROR);
  tampered[3] = 0x05; // rcode REFUSED
  t.false(verifyTsig(tampered, decodeMessage(tampered), KEY, { requestMac }).valid);
  t.deepEqual(verifyTsig(NAMED_NOERROR, answer, { ...KEY, name: 'other-key' }, { requestMac }), {
    valid: false,
    reason: 'signed with another key (ddns-key.)',
  });
});

test('the time check rejects an answer signed outside the fudge from now', (t) => {
  const requestMac = decodeMessage(NSUPDATE_REQUEST).tsig!.mac;
  const answer = decodeMessage(NAMED_NOERROR);
  t.true(verifyTsig(NAMED_NOERROR, answer, KEY, { requestMac, now: SIGNED_AT + 300 }).valid);
  const late = verifyTsig(NAMED_NOERROR, answer, KEY, { requestMac, now: SIGNED_AT + 301 });
  t.false(late.valid);
});

test('a BADSIG answer decodes as NOTAUTH with TSIG error 16 and an empty MAC', (t) => {
  const answer = decodeMessage(NAMED_BADSIG);
  t.is(rcodeName(answer.rcode), 'NOTAUTH');
  t.is(answer.tsig?.error, 16);
  t.is(rcodeName(answer.tsig!.error), 'BADSIG');
  t.is(answer.tsig?.mac.length, 0);
  t.is(answer.tsig?.originalId, 0xc897);
  t.false(verifyTsig(NAMED_BADSIG, answer, KEY).valid);
});

test('an answer with a compressed name and an OPT record gives its A record and a valid TSIG', (t) => {
  const query = decodeMessage(DIG_QUERY);
  t.true(verifyTsig(DIG_QUERY, query, KEY).valid, 'the TSIG is found after the OPT record');
  const answer = decodeMessage(NAMED_ANSWER);
  t.deepEqual(answer.counts, { question: 1, answer: 1, authority: 0, additional: 2 });
  t.is(answer.answers.length, 1);
  t.like(answer.answers[0], { name: 'poe.example.test.', type: 1, class: 1, ttl: 60 });
  t.deepEqual([...answer.answers[0].rdata], [192, 0, 2, 7]);
  t.true(verifyTsig(NAMED_ANSWER, answer, KEY, { requestMac: query.tsig!.mac }).valid);
});

test('names are length-prefixed labels ending in the root, with or without a trailing dot', (t) => {
  t.deepEqual(encodeName('poe.example.test'), Buffer.from('\x03poe\x07example\x04test\x00', 'ascii'));
  t.deepEqual(encodeName('poe.example.test.'), encodeName('poe.example.test'));
  t.deepEqual(encodeName('.'), Buffer.from([0]));
  t.throws(() => encodeName(`${'a'.repeat(64)}.test`), { instanceOf: RangeError });
  t.throws(() => encodeName('a..test'), { instanceOf: RangeError });
});

test('an update has opcode 5, the zone SOA, a delete of the A RRset and one added A record', (t) => {
  const message = encodeUpdateA(0x1234, 'example.test', 'poe.example.test', 60, '192.0.2.7');
  const expected = Buffer.concat([
    hex('1234' + '2800' + '0001' + '0000' + '0002' + '0000'), // ID, opcode 5, ZOCOUNT 1, UPCOUNT 2
    encodeName('example.test'),
    hex('0006' + '0001'), // SOA IN
    encodeName('poe.example.test'),
    hex('0001' + '00ff' + '00000000' + '0000'), // A ANY, TTL 0, no RDATA: delete the RRset
    encodeName('poe.example.test'),
    hex('0001' + '0001' + '0000003c' + '0004' + 'c0000207'), // A IN 60 192.0.2.7
  ]);
  t.deepEqual(message, expected);
  t.like(decodeMessage(message), { id: 0x1234, isResponse: false, opcode: 5, truncated: false });
});

test('a query asks for one name and type, class IN, with no flags set', (t) => {
  const message = encodeQuery(0xbeef, 'poe.example.test');
  t.deepEqual(
    message,
    Buffer.concat([hex('beef00000001000000000000'), encodeName('poe.example.test'), hex('00010001')]),
  );
});

for (const algorithm of ['hmac-sha512', 'hmac-sha1'] as const) {
  test(`${algorithm}: the MAC is the HMAC of the message and the TSIG variables of RFC 8945 §4.3.3`, (t) => {
    const key: TsigKey = { name: 'Ddns-Key', algorithm, secret: Buffer.from('a test secret') };
    const message = encodeUpdateA(7, 'example.test', 'poe.example.test', 60, '192.0.2.7');
    const { message: signed, mac } = signMessage(message, key, { timeSigned: 0x0102_0304_0506 });
    const variables = Buffer.concat([
      Buffer.from('\x08ddns-key\x00', 'ascii'), // key name, lower-cased
      hex('00ff' + '00000000'), // class ANY, TTL 0
      encodeName(`${algorithm}.`),
      hex('010203040506' + '012c' + '0000' + '0000'), // time signed, fudge 300, error, other len
    ]);
    const hash = algorithm === 'hmac-sha512' ? 'sha512' : 'sha1';
    t.deepEqual(mac, createHmac(hash, key.secret).update(message).update(variables).digest());
    const decoded = decodeMessage(signed);
    t.is(decoded.counts.additional, 1);
    t.like(decoded.tsig, { algorithm: `${algorithm}.`, timeSigned: 0x0102_0304_0506, originalId: 7 });
    t.true(verifyTsig(signed, decoded, key).valid);
  });
}

test('a truncated message is refused with a RangeError', (t) => {
  t.throws(() => decodeMessage(NAMED_ANSWER.subarray(0, 40)), { instanceOf: RangeError });
  t.throws(() => decodeMessage(Buffer.alloc(5)), { instanceOf: RangeError });
});

test("answer records carry dns-packet's reading of their data beside the raw bytes", (t) => {
  const [record] = decodeMessage(NAMED_ANSWER).answers;
  t.like(record.decoded, { type: 'A', name: 'poe.example.test', data: '192.0.2.7' });
});

test('a delete without RDATA reads as such, and the records after it are found where they start', (t) => {
  const update = encodeUpdateA(0x1234, 'example.test', 'poe.example.test', 60, '192.0.2.7');
  const signed = signMessage(update, KEY, { timeSigned: SIGNED_AT }).message;
  const message = decodeMessage(signed);
  t.is(message.tsig?.offset, update.length, 'the TSIG record starts where the unsigned update ended');
  t.true(verifyTsig(signed, message, KEY).valid);
});

test('a record whose data does not fill its RDLENGTH is refused with a RangeError', (t) => {
  const short = Buffer.from(NAMED_ANSWER);
  short.writeUInt16BE(3, 44); // the A record's RDLENGTH: 3 bytes for a 4-byte address
  t.throws(() => decodeMessage(short), { instanceOf: RangeError, message: /A record/ });
  const badPointer = Buffer.from(NAMED_ANSWER);
  badPointer[35] = 0xff; // the A record's owner points forward, past itself
  t.throws(() => decodeMessage(badPointer), { instanceOf: RangeError, message: /malformed DNS message/ });
});

test('names are checked before dns-packet writes them', (t) => {
  t.throws(() => encodeQuery(1, 'a..test'), { instanceOf: RangeError });
  t.throws(() => encodeUpdateA(1, 'example.test', `${'a'.repeat(64)}.example.test`, 60, '192.0.2.7'), {
    instanceOf: RangeError,
  });
  t.deepEqual(encodeName(''), Buffer.from([0]));
});
