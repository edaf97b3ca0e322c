import test from 'ava';
import { type DeviceEntry, deviceEntry, mergePosted } from '../../src/mesh/device-entry.js';
import {
  addressKey,
  isNewer,
  macIndex,
  mergeLearned,
  peerStatus,
  sameAddress,
  stampValue,
} from '../../src/mesh/gossip/peer-table.js';

const entry = (mac: string, ip: string, stamp: string, name = mac): DeviceEntry =>
  deviceEntry({ mac, ip, 'time stamp': stamp, name, tz: 'UTC', log: [''] });

const A = entry('aa', '1.1.1.1', '100');
const B = entry('bb', '2.2.2.2', '100');
const C = entry('cc', '3.3.3.3', '100');

test('an unknown MAC is appended, in received order, after the existing entries', (t) => {
  const { list, changed } = mergeLearned([B], [C, A, B]);
  t.deepEqual(
    list.map((e) => e.mac),
    ['bb', 'cc', 'aa'],
  );
  t.deepEqual(changed, [C, A]);
});

test('a known MAC is replaced in place only by a numerically newer stamp', (t) => {
  const newer = entry('aa', '9.9.9.9', '100.5');
  const { list, changed } = mergeLearned([A, B], [newer, entry('bb', '8.8.8.8', '99.9')]);
  t.deepEqual(list, [newer, B]);
  t.deepEqual(changed, [newer]);
});

test('stamps compare as numbers, not strings ("10" is newer than "9.5")', (t) => {
  const old = entry('aa', '1.1.1.1', '9.5');
  const next = entry('aa', '2.2.2.2', '10');
  t.true(isNewer(next, old));
  t.false(isNewer(old, next));
  t.is(mergeLearned([old], [next]).list[0].ip, '2.2.2.2');
});

test('an equal stamp keeps what we have, even with other fields', (t) => {
  const same = entry('aa', '7.7.7.7', '100');
  const { list, changed } = mergeLearned([A], [same]);
  t.is(list[0], A);
  t.deepEqual(changed, []);
});

test('nothing is ever deleted: entries missing from the answer stay', (t) => {
  const { list } = mergeLearned([A, B, C], [entry('bb', '2.2.2.2', '200')]);
  t.deepEqual(
    list.map((e) => e.mac),
    ['aa', 'bb', 'cc'],
  );
});

test('no change returns the very same array and never mutates the input', (t) => {
  const input = Object.freeze([A, B]) as readonly DeviceEntry[];
  const result = mergeLearned(input, [A, entry('bb', 'x', '50')]);
  t.is(result.list, input);
  t.deepEqual(result.changed, []);
  const grown = mergeLearned(input, [C]);
  t.not(grown.list, input);
  t.is(input.length, 2);
});

test('entries of our own MAC are never learned', (t) => {
  const mine = entry('aa', '1.1.1.1', '100');
  const claimed = entry('aa', '6.6.6.6', '999');
  const { list, changed } = mergeLearned([mine], [claimed, entry('zz', '9.9.9.9', '1')], { selfMac: 'aa' });
  t.is(list[0], mine);
  t.deepEqual(
    changed.map((e) => e.mac),
    ['zz'],
  );
  t.is(mergeLearned([], [claimed], { selfMac: 'aa' }).list.length, 0);
});

test('a malformed or empty stamp is older than any real one', (t) => {
  t.is(stampValue(''), Number.NEGATIVE_INFINITY);
  t.is(stampValue('  '), Number.NEGATIVE_INFINITY);
  t.is(stampValue('yesterday'), Number.NEGATIVE_INFINITY);
  t.is(stampValue('1612345678.123'), 1612345678.123);
  const bad = entry('aa', '1.1.1.1', 'garbage');
  t.is(mergeLearned([A], [bad]).list[0], A);
  t.is(mergeLearned([bad], [A]).list[0], A);
  // An unknown MAC is appended whatever its stamp.
  t.is(mergeLearned([], [bad]).list[0], bad);
});

test('duplicate MACs in one answer: the newest wins, the list gets one entry', (t) => {
  const first = entry('dd', '1.0.0.1', '5');
  const second = entry('dd', '1.0.0.2', '6');
  const third = entry('dd', '1.0.0.3', '4');
  const { list, changed } = mergeLearned([A], [first, second, third]);
  t.deepEqual(list, [A, second]);
  t.deepEqual(changed, [first, second]);
});

test('a kept index is updated for appends and matches macIndex of the result', (t) => {
  const start = [A];
  const index = macIndex(start);
  const { list } = mergeLearned(start, [B, C, entry('aa', 'x', '500')], { index });
  t.deepEqual(index, macIndex(list));
  t.is(list[0].ip, 'x');
});

test('macIndex points at the FIRST entry of a MAC, as the original update does', (t) => {
  const dup = entry('aa', '5.5.5.5', '1');
  t.is(macIndex([B, A, dup]).get('aa'), 1);
});

test('the pull rule differs from the POST rule: a POST overwrites even with an older stamp', (t) => {
  const older = entry('aa', '4.4.4.4', '1');
  t.is(mergePosted([A], older)[0].ip, '4.4.4.4');
  t.is(mergeLearned([A], [older]).list[0].ip, '1.1.1.1');
});

test('addressKey and sameAddress: case, spaces, default port and v6 brackets', (t) => {
  t.is(addressKey(' 1.2.3.4:80 '), '1.2.3.4');
  t.is(addressKey('1.2.3.4:8080'), '1.2.3.4:8080');
  t.is(addressKey('Node.Example.NET'), 'node.example.net');
  t.is(addressKey('[FE80::1]'), 'fe80::1');
  t.is(addressKey('[fe80::1]:80'), 'fe80::1');
  t.is(addressKey('[fe80::1]:8080'), '[fe80::1]:8080');
  t.true(sameAddress('1.2.3.4', '1.2.3.4:80'));
  t.true(sameAddress('[::1]', '::1'));
  t.false(sameAddress('1.2.3.4', '1.2.3.4:8080'));
  t.false(sameAddress('1.2.3.4', '1.2.3.40'));
});

test('peerStatus: fresh, stale after staleAfterMs of silence, dropped after dropAfterMs', (t) => {
  const limits = { staleAfterMs: 10, dropAfterMs: 100 };
  t.is(peerStatus({ firstSeen: 0, failures: 0 }, 9, limits), 'fresh');
  t.is(peerStatus({ firstSeen: 0, failures: 3 }, 10, limits), 'stale');
  t.is(peerStatus({ firstSeen: 0, lastHeard: 95, failures: 0 }, 100, limits), 'fresh');
  t.is(peerStatus({ firstSeen: 50, lastHeard: 0, failures: 0 }, 100, limits), 'dropped');
});
