import test from 'ava';
import { type DeviceEntry, deviceEntry } from '../../src/mesh/device-entry.js';
import {
  type DisseminationOptions,
  Disseminator,
  type SelfInfo,
  shuffle,
} from '../../src/mesh/gossip/dissemination.js';
import { PeerError } from '../../src/mesh/gossip/errors.js';
import type { GossipForm } from '../../src/mesh/gossip/transport.js';
import { measure } from '../bench/gossip-sim.js';
import {
  apiReceiver,
  type GossipHandler,
  MemoryNetwork,
  MemoryPeerList,
  seededRandom,
} from '../helpers/gossip/memory-transport.js';
import { runOriginalClient } from '../helpers/gossip/original-scheme.js';

const KEY = 'mesh-key';
const DAY = 24 * 60 * 60 * 1000;
const START = Date.UTC(2026, 0, 1);
const addr = (i: number, generation = 0) => `10.${generation}.0.${i}`;
const macOf = (i: number) => `b8:27:eb:00:00:${i.toString(16).padStart(2, '0')}`;
const entry = (i: number, stampMs: number, ip = addr(i)): DeviceEntry =>
  deviceEntry({
    mac: macOf(i),
    ip,
    'time stamp': String(stampMs / 1000),
    name: `n${i}`,
    tz: 'UTC',
    log: [''],
  });

interface TestNode {
  mac: string;
  address: string;
  store: MemoryPeerList;
  disseminator?: Disseminator;
  run: () => Promise<unknown>;
}

/** N nodes on one MemoryNetwork; node 0 is the seed. `originals` run the original client instead. */
function meshOf(n: number, config: { originals?: number[]; options?: Partial<DisseminationOptions> } = {}) {
  const network = new MemoryNetwork();
  const clock = { now: START };
  const rng = seededRandom(42);
  const nodes: TestNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = { mac: macOf(i), address: addr(i) } as TestNode;
    const self = (): SelfInfo => ({ mac: node.mac, ip: node.address, name: `n${i}`, tz: 'UTC', log: [''] });
    const transport = network.transport(node.address);
    if (config.originals?.includes(i)) {
      node.store = new MemoryPeerList(i === 0 ? [] : [entry(0, START)]);
      node.run = () =>
        runOriginalClient({ self, store: node.store, transport, apiKey: KEY, clock: () => clock.now });
    } else {
      node.store = new MemoryPeerList();
      const d = new Disseminator({
        ...{ self, store: node.store, transport, apiKey: KEY, seeds: [addr(0)], options: config.options },
        ...{ rng: seededRandom(1000 + i), clock: () => clock.now },
      });
      node.disseminator = d;
      node.run = () => d.round();
    }
    const onPost = (form: GossipForm) => node.disseminator?.heard(form.ip);
    network.listen(node.address, apiReceiver(node.store, { apiKey: KEY, onPost }));
    nodes.push(node);
  }
  const converged = () =>
    nodes.every((node) =>
      nodes.every((other) => node.store.list().some((e) => e.mac === other.mac && e.ip === other.address)),
    );
  const round = async () => {
    for (const i of shuffle([...nodes.keys()], rng)) await nodes[i].run();
    clock.now += 15 * 60 * 1000;
  };
  const untilConverged = async (max: number) => {
    for (let r = 1; r <= max; r++) {
      await round();
      if (converged()) return r;
    }
    return undefined;
  };
  const move = (i: number) => {
    network.move(nodes[i].address, addr(i, 1));
    nodes[i].address = addr(i, 1);
  };
  return { network, nodes, clock, converged, round, untilConverged, move };
}

/** One pimesh node whose list is `list`, peers answering with `answer` (recording who was posted to). */
function loneNode(list: DeviceEntry[], options: Partial<DisseminationOptions>, seeds: string[] = []) {
  const network = new MemoryNetwork();
  const posted: string[] = [];
  network.trace = (_from, to) => posted.push(to);
  const store = new MemoryPeerList(list);
  const clock = { now: START };
  const disseminator = new Disseminator({
    self: () => ({ mac: 'me', ip: '10.9.9.9', name: 'me', tz: 'UTC', log: [] }),
    ...{ store, transport: network.transport('10.9.9.9'), apiKey: KEY, seeds, options },
    ...{ rng: seededRandom(7), clock: () => clock.now },
  });
  return { network, posted, store, clock, disseminator };
}

test('20 nodes cold-started from one seed converge within 5 rounds', async (t) => {
  const mesh = meshOf(20);
  const rounds = await mesh.untilConverged(10);
  t.truthy(rounds);
  t.true(rounds! <= 5, `took ${rounds} rounds`);
  for (const node of mesh.nodes) t.is(node.store.list().length, 20);
});

test('a node that changes IP announces at once and everyone learns it within 3 rounds', async (t) => {
  const mesh = meshOf(20);
  await mesh.untilConverged(10);
  mesh.move(7);
  const report = await mesh.nodes[7].disseminator!.round();
  t.true(report.announce);
  t.true(report.posted.includes(addr(0)), 'the seed hears it first');
  t.is(report.posted.length, 1 + 10, 'seed + announceFanout');
  const rounds = await mesh.untilConverged(5);
  t.truthy(rounds);
  t.true(rounds! <= 3, `took ${rounds} rounds`);
});

test('selfChanged() forces an announce round', async (t) => {
  const mesh = meshOf(15);
  await mesh.untilConverged(10);
  const report = await mesh.nodes[3].disseminator!.selfChanged();
  t.true(report.announce);
  t.is(new Set(report.posted).size, 11);
});

test('original nodes and pimesh nodes interoperate and converge', async (t) => {
  const mesh = meshOf(12, { originals: [2, 5, 8, 11] });
  const rounds = await mesh.untilConverged(15);
  t.truthy(rounds, 'converged');
  // Original nodes only learn from direct POSTs, and pimesh nodes reach every peer round-robin.
  t.true(rounds! <= 8, `took ${rounds} rounds`);
  mesh.move(5);
  mesh.move(6);
  t.truthy(await mesh.untilConverged(10), 'moves of both kinds of node spread');
});

test('stale peers are not posted to; dropped ones never, even by probes', async (t) => {
  const now = START;
  const list = [entry(1, now), entry(2, now - 8 * DAY), entry(3, now - 31 * DAY)];
  const quiet = loneNode(list, { staleProbes: 0, fanout: 3 });
  for (const i of [1, 2, 3]) quiet.network.listen(addr(i), () => []);
  for (let r = 0; r < 4; r++) await quiet.disseminator.round();
  t.deepEqual([...new Set(quiet.posted)], [addr(1)]);

  const probing = loneNode(list, { staleProbes: 1, fanout: 3 });
  for (let r = 0; r < 3; r++) await probing.disseminator.round();
  t.is(probing.posted.filter((a) => a === addr(2)).length, 3, 'one probe per round while it stays silent');
  t.false(probing.posted.includes(addr(3)));
});

test('an answered probe or a POST from a stale peer makes it fresh again', async (t) => {
  const lone = loneNode([entry(2, START - 8 * DAY), entry(4, START - 9 * DAY)], { staleProbes: 1 });
  lone.network.listen(addr(2), () => []);
  lone.disseminator.heard(addr(4));
  await lone.disseminator.round();
  lone.posted.length = 0;
  await lone.disseminator.round();
  t.deepEqual([...new Set(lone.posted)].sort(), [addr(2), addr(4)], 'both are in the fanout now');
});

test('seeds are posted to even when their entry looks dead', async (t) => {
  const lone = loneNode([entry(1, START - 60 * DAY)], { staleProbes: 0 }, [addr(1)]);
  await lone.disseminator.round();
  t.deepEqual(lone.posted, [addr(1)]);
});

test('round-robin: 9 peers with fanout 3 are all reached in 3 rounds, none twice', async (t) => {
  const list = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => entry(i, START));
  const lone = loneNode(list, { fanout: 3, followLimit: 0 });
  for (let i = 1; i <= 9; i++) lone.network.listen(addr(i), () => []);
  for (let r = 0; r < 3; r++) await lone.disseminator.round();
  t.is(lone.posted.length, 9);
  t.is(new Set(lone.posted).size, 9);
});

test('new addresses in answers are followed once each, at most followLimit per round', async (t) => {
  const lone = loneNode([], { followLimit: 3 }, [addr(0)]);
  const strangers = [1, 2, 3, 4, 5, 6].map((i) => entry(i, START));
  lone.network.listen(addr(0), () => [entry(0, START), ...strangers]);
  for (const e of strangers) lone.network.listen(e.ip, () => [entry(0, START), ...strangers]);
  const report = await lone.disseminator.round();
  t.is(report.followed.length, 3);
  t.is(new Set(report.followed).size, 3);
  t.deepEqual(report.posted, [addr(0), ...report.followed]);
  t.is(report.learned, 7);
});

test('it never posts to its own address nor learns entries of its own MAC', async (t) => {
  const impostor = deviceEntry({
    mac: 'other',
    ip: ' 10.9.9.9:80',
    'time stamp': '1',
    name: '',
    tz: '',
    log: [],
  });
  const lone = loneNode([impostor], {}, ['10.9.9.9']);
  lone.network.listen('10.0.0.1', () => []);
  const stale = deviceEntry({
    mac: 'me',
    ip: '10.0.0.1',
    'time stamp': '9999999999',
    name: '',
    tz: '',
    log: [],
  });
  lone.network.listen('10.9.9.9', () => [stale]);
  const report = await lone.disseminator.round();
  t.deepEqual(report.posted, []);
  t.is(lone.network.loopback, 0);
  t.is(lone.store.list().find((e) => e.mac === 'me')?.ip, '10.9.9.9');
});

test('failures are reported with their code; only transient ones are retried', async (t) => {
  const lone = loneNode([entry(1, START), entry(2, START)], { retries: 1, retryMinTimeoutMs: 1 });
  let resets = 0;
  lone.network.listen(addr(2), () => {
    if (resets++ === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    return [];
  });
  const report = await lone.disseminator.round();
  t.deepEqual(report.failed, [{ address: addr(1), code: 'ECONNREFUSED' }]);
  t.deepEqual(report.answered, [addr(2)]);
  t.is(lone.posted.filter((a) => a === addr(1)).length, 1, 'ECONNREFUSED is not retried');
  t.is(resets, 2);
});

test('a peer refusing our key is reported as ERR_PEER_REJECTED', async (t) => {
  const lone = loneNode([entry(1, START)], {});
  lone.network.listen(addr(1), apiReceiver(new MemoryPeerList([entry(5, START)]), { apiKey: 'other' }));
  const report = await lone.disseminator.round();
  t.deepEqual(report.failed, [{ address: addr(1), code: 'ERR_PEER_REJECTED' }]);
});

test('stamps only go forward: after a clock step back, and from the stored own entry', async (t) => {
  const future = deviceEntry({
    mac: 'me',
    ip: '10.8.8.8',
    'time stamp': String(START / 1000 + 500),
    name: '',
    tz: '',
    log: [],
  });
  const lone = loneNode([future], {});
  const first = await lone.disseminator.round();
  const own = () => Number(lone.store.list().find((e) => e.mac === 'me')!['time stamp']);
  t.true(own() > START / 1000 + 500);
  t.true(first.announce, 'the stored entry had another address: announce after a restart');
  const before = own();
  lone.clock.now -= DAY;
  await lone.disseminator.round();
  t.true(own() > before);
});

test('posts run with bounded concurrency, and rounds never overlap', async (t) => {
  const list = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => entry(i, START));
  const lone = loneNode(list, { fanout: 8, concurrency: 2 });
  let inFlight = 0;
  let peak = 0;
  const slow: GossipHandler = async () => {
    peak = Math.max(peak, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return [];
  };
  for (let i = 1; i <= 8; i++) lone.network.listen(addr(i), slow);
  await Promise.all([lone.disseminator.round(), lone.disseminator.round()]);
  t.is(peak, 2);
});

test('bad options are refused with a TypeError naming the option', (t) => {
  const store = new MemoryPeerList();
  const make = (options: Partial<DisseminationOptions>) =>
    new Disseminator({
      self: () => ({ mac: 'm', ip: 'i', name: '', tz: '', log: [] }),
      store,
      transport: new MemoryNetwork().transport('i'),
      apiKey: KEY,
      options,
    });
  t.throws(() => make({ fanout: 0 }), { instanceOf: TypeError, message: /`fanout`/ });
  t.throws(() => make({ concurrency: 1.5 }), { instanceOf: TypeError, message: /`concurrency`/ });
  t.notThrows(() => make({ announceFanout: Number.POSITIVE_INFINITY, seedLoad: Number.POSITIVE_INFINITY }));
});

test('original client: localhost first, every list ip but its own, follows unknown ips once, no retries', async (t) => {
  const network = new MemoryNetwork();
  const calls: string[] = [];
  network.trace = (_from, to) => calls.push(to);
  const store = new MemoryPeerList([entry(0, START), entry(1, START), entry(9, START, '10.0.0.99')]);
  network.listen('10.0.0.99', apiReceiver(store));
  network.listen(addr(0), () => [entry(0, START), entry(3, START), entry(4, START)]);
  network.listen(addr(3), () => [entry(4, START), entry(5, START)]);
  const report = await runOriginalClient({
    self: () => ({ mac: macOf(9), ip: '10.0.0.99', name: 'n9 <x>', tz: 'UTC', log: ['0'] }),
    ...{ store, transport: network.transport('10.0.0.99'), apiKey: KEY, clock: () => START },
  });
  t.deepEqual(calls, ['localhost', addr(0), addr(1), 'localhost', addr(3), addr(4), 'localhost', addr(5)]);
  t.deepEqual(
    report.failed.map((f) => f.code),
    ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED'],
  );
  t.deepEqual(report.followed, [addr(3), addr(4), addr(5)]);
  t.deepEqual(
    store.list().map((e) => e.mac),
    [macOf(0), macOf(1), macOf(9)],
    'answers never change its own list',
  );
  t.is(store.list()[2].name, 'n9 x', 'the name is stripped to [A-Za-z0-9_ ]');
});

test('the api.php receiver: wrong key refused, empty list answered with an empty body', (t) => {
  const store = new MemoryPeerList();
  const handler = apiReceiver(store, { apiKey: KEY });
  const form = { api_key: ` ${KEY} `, stamp: '1', ip: 'a', mac: 'm', name: '', tz: '', log: [''] };
  t.throws(() => handler({ ...form, api_key: 'nope' }, 'a', 'b'), { instanceOf: PeerError });
  t.is(handler(form, 'a', 'b'), undefined);
  t.deepEqual(handler({ ...form, ip: 'c' }, 'c', 'b'), [
    { mac: 'm', ip: 'c', 'time stamp': '1', name: '', tz: '', log: [''] },
  ]);
});

test('the bench: its indexed original list gives the same numbers as the plain model', async (t) => {
  const plain = await measure({ n: 40, scheme: 'original', seed: 3, indexedOriginal: false });
  const fast = await measure({ n: 40, scheme: 'original', seed: 3 });
  const numbers = (rows: typeof plain) => rows.map(({ wallMs: _, ...rest }) => rest);
  t.deepEqual(numbers(fast), numbers(plain));
  t.is(plain.length, 2);
});

test('the bench: pimesh needs a fraction of the original messages at N=60', async (t) => {
  const original = await measure({ n: 60, scheme: 'original', seed: 60 });
  const pimesh = await measure({ n: 60, scheme: 'pimesh', seed: 60 });
  for (const [i, row] of pimesh.entries()) {
    t.truthy(row.rounds, row.scenario);
    t.true(row.rounds! <= 6, `${row.scenario}: ${row.rounds} rounds`);
    t.true(row.messages < original[i].messages / 4, row.scenario);
  }
});
