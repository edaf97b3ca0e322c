import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { deviceEntry } from '../../src/mesh/device-entry.js';
import { PeerData } from '../../src/mesh/peer-data.js';
import { DAY4, HEADER, STORED, startDayDataPeer } from '../helpers/day-data-peer.js';

const entry = (name: string, ip: string, mac: string) =>
  deviceEntry({ mac, ip, 'time stamp': '1612345678.1', name, log: [''] });

const SELF = { mac: 'b8:27:eb:00:00:99', ip: '127.0.0.1:1' };

test('a round stores each peer day=4 answer as getRemoteData.py did, and the dashboard reads it', async (t) => {
  const peer = await startDayDataPeer(DAY4);
  t.teardown(() => peer.close());
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peer-data-'));
  const data = new PeerData({
    dir,
    peers: () => [entry('Server One', peer.address, 'm1')],
    self: () => SELF,
  });
  const report = await data.run();
  t.deepEqual(report, { asked: 1, ok: ['Server One'], failed: [] });
  t.deepEqual(peer.requests, ['/api/v1/opendata.php?day=4']);
  t.is(readFileSync(join(dir, 'serverone.json'), 'utf8'), STORED);
  const [latest] = data.latest();
  t.like(latest, {
    name: 'Server One',
    ip: peer.address,
    ok: true,
    datetime: '2021-02-24 07:48:13.1',
    pvPower: 2.25,
    batteryPercent: 34,
    self: false,
  });
  t.is(typeof latest.fetchedAt, 'string');
  // Read back by a fresh process: the record is on disk.
  const again = new PeerData({ dir, peers: () => [], self: () => SELF });
  await again.load();
  t.like(again.latest()[0], { name: 'Server One', ok: true, pvPower: 2.25 });
});

test('a peer answering too much, too slowly or garbage is that peer failure and the others are stored', async (t) => {
  const good = await startDayDataPeer(DAY4);
  const huge = await startDayDataPeer('');
  huge.mode = 'huge';
  const slow = await startDayDataPeer(DAY4);
  slow.mode = 'hang';
  const garbage = await startDayDataPeer('<html>Fatal error</html>');
  const refused = await startDayDataPeer(DAY4);
  const gone = refused.address;
  await refused.close();
  t.teardown(() => Promise.all([good.close(), huge.close(), slow.close(), garbage.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peer-data-'));
  const data = new PeerData({
    dir,
    peers: () => [
      entry('Huge', huge.address, 'm1'),
      entry('Slow', slow.address, 'm2'),
      entry('Garbage', garbage.address, 'm3'),
      entry('Gone', gone, 'm4'),
      entry('Good', good.address, 'm5'),
    ],
    self: () => SELF,
    timeoutMs: 500,
    maxBytes: 64 * 1024,
    concurrency: 2,
  });
  const started = Date.now();
  const report = await data.run();
  t.true(Date.now() - started < 3000, 'each peer has its own deadline');
  t.deepEqual(report.ok, ['Good']);
  t.deepEqual(Object.fromEntries(report.failed.map((f) => [f.name, f.error])), {
    Huge: 'ERR_RESPONSE_TOO_LARGE',
    Slow: 'ETIMEDOUT',
    Garbage: 'ERR_NOT_DAY_DATA',
    Gone: 'ECONNREFUSED',
  });
  t.is(readFileSync(join(dir, 'good.json'), 'utf8'), STORED);
  t.like(data.latest()[0], { name: 'Huge', ok: false, error: 'ERR_RESPONSE_TOO_LARGE' });
});

test('a peer that fails later keeps its last data on disk, marked as failed', async (t) => {
  const peer = await startDayDataPeer(DAY4);
  t.teardown(() => peer.close());
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peer-data-'));
  const data = new PeerData({
    dir,
    peers: () => [entry('Server One', peer.address, 'm1')],
    self: () => SELF,
  });
  await data.run();
  peer.body = 'not json';
  await data.run();
  t.is(readFileSync(join(dir, 'serverone.json'), 'utf8'), STORED);
  t.like(data.latest()[0], { ok: false, error: 'ERR_NOT_DAY_DATA', pvPower: undefined });
  t.truthy(data.latest()[0].okAt);
});

test('this node is never asked over HTTP: its file is written from its own readings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peer-data-'));
  const data = new PeerData({
    dir,
    peers: () => [entry('My Node', SELF.ip, SELF.mac)],
    self: () => SELF,
    local: () => DAY4,
  });
  t.deepEqual(await data.run(), { asked: 0, ok: ['My Node'], failed: [] });
  t.is(readFileSync(join(dir, 'mynode.json'), 'utf8'), STORED);
  t.true(data.latest()[0].self);
});

test('a name that would lead out of the directory is refused, and an empty list asks nobody', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peer-data-'));
  const data = new PeerData({ dir, peers: () => [entry('../etc', '127.0.0.1:9', 'm1')], self: () => SELF });
  t.deepEqual(await data.run(), { asked: 0, ok: [], failed: [{ name: '../etc', error: 'ERR_UNSAFE_NAME' }] });
  const none = new PeerData({ dir, peers: () => [], self: () => SELF });
  t.deepEqual(await none.run(), { asked: 0, ok: [], failed: [] });
});

test('a file is bounded: the oldest rows go first, the header stays', async (t) => {
  // Under the answer cap on the wire (UTF-8), over it once json.dumps escapes every letter (\u00e9).
  const note = 'é'.repeat(20);
  const rows = Array.from({ length: 500 }, (_, i) => [`2021-02-24 00:00:${i}`, '13.3', note, '0.34']);
  const body = JSON.stringify([[HEADER, ...rows]]);
  const peer = await startDayDataPeer(body);
  t.teardown(() => peer.close());
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-peer-data-'));
  const maxBytes = 64 * 1024;
  t.true(Buffer.byteLength(body) < maxBytes);
  const data = new PeerData({
    dir,
    peers: () => [entry('Big', peer.address, 'm1')],
    self: () => SELF,
    maxBytes,
  });
  await data.run();
  const text = readFileSync(join(dir, 'big.json'), 'utf8');
  t.true(Buffer.byteLength(text) <= maxBytes);
  const stored = JSON.parse(text) as string[][];
  t.deepEqual(stored[0], HEADER);
  t.is(stored[1][0], '2021-02-24 00:00:499');
  t.true(stored.length < 501);
});
