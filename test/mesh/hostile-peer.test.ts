/**
 * One hostile peer must not be able to take a node: a real `pimesh serve` gossips with and samples a
 * local peer that answers every request with 200 MiB. The node's peak RSS (VmHWM) stays under 150 MB
 * and each round ends within its deadline, the peer counted as failing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { startPimesh, tempCwd } from '../helpers/pimesh-process.js';

const MiB = 1024 * 1024;

/** Peak and current resident memory of a process, in MB (Linux /proc). */
function memoryMb(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

/** Answers every request with `total` bytes, chunked (no Content-Length), as fast as the client reads. */
async function floodingPeer(
  total: number,
): Promise<{ address: string; sentMb: () => number; server: Server }> {
  let sent = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
    const chunk = Buffer.alloc(256 * 1024, '9');
    let mine = 0;
    const pump = () => {
      let more = true;
      while (mine < total && more) {
        more = res.write(chunk);
        mine += chunk.length;
        sent += chunk.length;
      }
      if (mine >= total) res.end();
    };
    res.on('drain', pump);
    res.on('close', () => res.off('drain', pump));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, sentMb: () => sent / MiB, server };
}

async function post(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('a peer answering 200 MiB to gossip and to the election costs the node neither memory nor its deadline', async (t) => {
  const peer = await floodingPeer(200 * MiB);
  t.teardown(() => {
    peer.server.closeAllConnections();
    peer.server.close();
  });
  const cwd = tempCwd();
  const peers = join(cwd, 'peers');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(peers);
  writeFileSync(
    join(peers, 'deviceList.json'),
    JSON.stringify([
      {
        mac: 'b8:27:eb:66:66:66',
        ip: peer.address,
        'time stamp': '1700000000.0',
        name: 'hostile',
        tz: 'UTC',
        log: [''],
      },
    ]),
  );
  const node = await startPimesh(
    {
      PIMESH_PEERS_DIR: peers,
      PIMESH_DATA_DIR: join(cwd, 'data'),
      PIMESH_NETWORK_KEY: 'test-network-key',
      PIMESH_MAC: 'b8:27:eb:00:00:01',
      PIMESH_PUBLIC_IP: '127.0.0.1',
      PIMESH_SEEDS: peer.address,
      PIMESH_SCHEDULE: 'off',
      PIMESH_LOW_MEMORY: 'on',
    },
    cwd,
  );
  t.teardown(() => node.stop());
  const pid = node.child.pid as number;
  const before = memoryMb(pid);
  t.log(`idle: ${before.now.toFixed(1)} MB (peak so far ${before.peak.toFixed(1)} MB)`);

  const gossip = await post(node.url('/api/jobs/post-ip'));
  t.is(gossip.status, 200, JSON.stringify(gossip.body));
  const failed = gossip.body.failed as { address: string; code: string }[];
  t.deepEqual(
    failed.filter((f) => f.address === peer.address).map((f) => f.code),
    ['ERR_RESPONSE_TOO_LARGE'],
  );

  const elect = await post(node.url('/api/jobs/elect'));
  t.is(elect.status, 200, JSON.stringify(elect.body));
  const hostile = (elect.body.candidates as { name: string; status: string; error?: string }[]).find(
    (c) => c.name === 'hostile',
  );
  t.like(hostile, { status: 'unreachable', error: 'ERR_RESPONSE_TOO_LARGE' });
  t.true((elect.body.durationMs as number) < 5000, `election round took ${elect.body.durationMs} ms`);

  const after = memoryMb(pid);
  t.log(
    `after: ${after.now.toFixed(1)} MB, peak ${after.peak.toFixed(1)} MB; the peer sent ${peer.sentMb().toFixed(1)} MiB`,
  );
  t.true(after.peak < 150, `peak RSS ${after.peak.toFixed(1)} MB`);
  t.true(peer.sentMb() < 50, 'the node stopped reading long before 200 MiB');
});
