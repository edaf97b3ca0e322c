import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Memory } from 'lowdb';
import { PeerState, type PeerStateData } from '../../src/mesh/peer-state.js';

const T0 = new Date('2024-01-01T00:00:00.000Z');
const T1 = new Date('2024-01-01T00:15:00.000Z');
const T2 = new Date('2024-01-01T00:30:00.000Z');

test('seen, answered and failed keep first/last seen, last answer and failures per MAC', async (t) => {
  const state = new PeerState({ adapter: new Memory<PeerStateData>() });
  await state.seen('B8:27:EB:00:00:01', 'mdns', T0);
  await state.seen('b8:27:eb:00:00:01', 'gossip', T1);
  t.deepEqual(state.get('b8:27:eb:00:00:01'), {
    firstSeen: T0.toISOString(),
    lastSeen: T1.toISOString(),
    source: 'gossip',
    failures: 0,
  });
  await state.failed('b8:27:eb:00:00:01', T2);
  await state.failed('b8:27:eb:00:00:01', T2);
  t.is(state.get('b8:27:eb:00:00:01')?.failures, 2);
  await state.answered('b8:27:eb:00:00:01', T2);
  t.like(state.get('b8:27:eb:00:00:01'), {
    failures: 0,
    lastAnswered: T2.toISOString(),
    lastSeen: T2.toISOString(),
  });
  t.is(state.get('b8:27:eb:00:00:99'), undefined);
});

test('a self entry stays self whatever later sightings say', async (t) => {
  const state = new PeerState({ adapter: new Memory<PeerStateData>() });
  await state.seen('m', 'self', T0);
  await state.seen('m', 'gossip', T1);
  t.is(state.get('m')?.source, 'self');
  t.deepEqual(
    state.all().map((p) => p.mac),
    ['m'],
  );
});

test('the state is kept in peer-state.json beside deviceList.json and read back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peerstate-'));
  const first = new PeerState({ dir });
  await first.seen('m1', 'seed', T0);
  await first.answered('m1', T1);
  t.like(JSON.parse(readFileSync(join(dir, 'peer-state.json'), 'utf8')).peers.m1, { source: 'seed' });
  const second = new PeerState({ dir });
  await second.load();
  t.deepEqual(second.all(), [
    {
      mac: 'm1',
      firstSeen: T0.toISOString(),
      lastSeen: T1.toISOString(),
      lastAnswered: T1.toISOString(),
      source: 'seed',
      failures: 0,
    },
  ]);
});

test('an unreadable peer-state.json is moved aside and started afresh; bad records are dropped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peerstate-'));
  writeFileSync(join(dir, 'peer-state.json'), '{"peers":');
  const state = new PeerState({ dir });
  await state.load();
  t.deepEqual(state.all(), []);
  t.is(readdirSync(dir).filter((f) => f.startsWith('peer-state.json.corrupt-')).length, 1);

  const other = mkdtempSync(join(tmpdir(), 'pimesh-peerstate-'));
  writeFileSync(
    join(other, 'peer-state.json'),
    JSON.stringify({
      peers: { good: { firstSeen: 'a', lastSeen: 'b', source: 'mdns', failures: 1 }, bad: { x: 1 } },
    }),
  );
  const kept = new PeerState({ dir: other });
  await kept.load();
  t.deepEqual(
    kept.all().map((p) => p.mac),
    ['good'],
  );
});
