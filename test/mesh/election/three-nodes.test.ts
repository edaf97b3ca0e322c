import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { TracerStore } from '../../../src/readings/tracer-store.js';
import { type PimeshProcess, startPimesh, tempCwd } from '../../helpers/pimesh-process.js';
import { READING } from '../../helpers/readings.js';

// Three `pimesh serve` processes on 127.0.0.11-13 with simulated charge controllers whose sampling is
// paused (schedule off): the test writes each node's rows itself, as its logger would, so it controls the
// PV power every node reports. Rounds run through /api/jobs/elect. DNS is the `command` provider: a
// script appending the published address to one shared file, so the file counts the updates.

const KEY = 'three-node-election-key';
const HOLD_SECONDS = 3;

interface Node {
  index: number;
  host: string;
  mac: string;
  port: number;
  cwd: string;
  store: TracerStore;
  process?: PimeshProcess;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const base = (n: Node) => `http://${n.host}:${n.port}`;

async function setPower(node: Node, watts: number): Promise<void> {
  await node.store.append(new Date(), { ...READING, 'PV power L': watts });
}

/** One election round on every node, in order; the winners each node reports. */
async function round(nodes: Node[]): Promise<string[]> {
  const winners: string[] = [];
  for (const node of nodes) {
    const res = await fetch(`${base(node)}/api/jobs/elect`, { method: 'POST' });
    if (!res.ok) throw new Error(`elect on node ${node.index}: ${res.status} ${await res.text()}`);
    winners.push(((await res.json()) as { winner: string }).winner);
  }
  return winners;
}

async function holders(nodes: Node[]): Promise<string[]> {
  return Promise.all(
    nodes.map(
      async (n) =>
        ((await (await fetch(`${base(n)}/api/election`)).json()) as { holder: { mac: string } }).holder.mac,
    ),
  );
}

const updates = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

test('three nodes agree on one point of entry, move it once after the hold time, and ignore noise', async (t) => {
  const shared = tempCwd();
  const dnsLog = join(shared, 'dns-updates.log');
  const script = join(shared, 'publish.sh');
  writeFileSync(script, `#!/bin/sh\necho "$PIMESH_DNS_IP" >> '${dnsLog}'\necho "published $PIMESH_DNS_IP"\n`);
  chmodSync(script, 0o755);

  const nodes: Node[] = [];
  for (const index of [1, 2, 3]) {
    const host = `127.0.0.1${index}`;
    const cwd = tempCwd();
    mkdirSync(join(cwd, 'data', 'charge-controller'), { recursive: true });
    nodes.push({
      index,
      host,
      mac: `b8:27:eb:00:00:0${index}`,
      port: await freePort(host),
      cwd,
      store: new TracerStore(join(cwd, 'data', 'charge-controller')),
    });
  }
  for (const node of nodes) {
    const config = {
      election: { holdSeconds: HOLD_SECONDS, margin: 0.1, timeoutMs: 2000 },
      dns: { provider: 'command', path: script, target: 'poe.example.test', minIntervalSeconds: 0 },
    };
    writeFileSync(join(node.cwd, 'pimesh.config.json'), JSON.stringify(config));
    node.process = await startPimesh(
      {
        PIMESH_HOST: node.host,
        PIMESH_PORT: String(node.port),
        PIMESH_PUBLIC_IP: node.host,
        PIMESH_MAC: node.mac,
        PIMESH_NAME: `node ${node.index}`,
        PIMESH_NETWORK_KEY: KEY,
        PIMESH_SEEDS: nodes
          .filter((n) => n !== node)
          .map((n) => `${n.host}:${n.port}`)
          .join(','),
        PIMESH_SCHEDULE: 'off',
        PIMESH_CHARGE_CONTROLLER: 'sim',
      },
      node.cwd,
    );
  }
  t.teardown(() => Promise.all(nodes.map((n) => n.process?.stop())).then(() => {}));

  // The mesh: one gossip round on each node fills every deviceList.json.
  for (const node of nodes) await fetch(`${base(node)}/api/jobs/post-ip`, { method: 'POST' });

  // 1. Node 1 has the most sun: every node names it, and only it publishes.
  await Promise.all(nodes.map((n, i) => setPower(n, [10, 8, 6][i])));
  await sleep(1100); // the daemon re-checks files written by another process once a second
  t.deepEqual(await round(nodes), [nodes[0].mac, nodes[0].mac, nodes[0].mac]);
  t.deepEqual(await holders(nodes), [nodes[0].mac, nodes[0].mac, nodes[0].mac]);
  t.deepEqual(updates(dnsLog), ['127.0.0.11']);
  const poe = readFileSync(join(nodes[0].cwd, 'data', 'poe.log'), 'utf8');
  t.regex(poe, /^INFO:root:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\n$/);
  t.false(existsSync(join(nodes[1].cwd, 'data', 'poe.log')));
  const heldSince = Date.now();

  // The win travels as `log` in node 1's next gossip post, newest first, and shows in networkInfo=poe.
  const entry = poe.trim().slice('INFO:root:'.length);
  await fetch(`${base(nodes[0])}/api/jobs/post-ip`, { method: 'POST' });
  const list = JSON.parse(readFileSync(join(nodes[1].cwd, 'peers', 'deviceList.json'), 'utf8')) as {
    mac: string;
    log: string[];
  }[];
  t.deepEqual(list.find((e) => e.mac === nodes[0].mac)?.log, [entry]);
  const networkPoe = await (await fetch(`${base(nodes[1])}/api/v1/opendata.php?networkInfo=poe`)).text();
  t.true(networkPoe.includes(JSON.stringify(entry)));

  // 2. Node 1 drops below node 2 by more than the margin: nothing moves until the hold time is over...
  await setPower(nodes[0], 5);
  await sleep(1100);
  t.deepEqual(await round(nodes), [nodes[0].mac, nodes[0].mac, nodes[0].mac]);
  t.deepEqual(updates(dnsLog), ['127.0.0.11']);
  // ...then the name moves to node 2, once.
  await sleep(Math.max(0, heldSince + HOLD_SECONDS * 1000 - Date.now()) + 200);
  t.deepEqual(await round(nodes), [nodes[1].mac, nodes[1].mac, nodes[1].mac]);
  t.deepEqual(await round(nodes), [nodes[1].mac, nodes[1].mac, nodes[1].mac]);
  t.deepEqual(updates(dnsLog), ['127.0.0.11', '127.0.0.12']);

  // 3. Noise: nodes 1 and 2 swap the lead inside the 10 % margin for 100 rounds.
  await sleep(HOLD_SECONDS * 1000); // the hold time is over: only the margin protects the holder now
  const before = updates(dnsLog).length;
  const seen = new Set<string>();
  for (let r = 0; r < 100; r++) {
    const up = r % 2 === 0;
    await Promise.all([setPower(nodes[0], up ? 8.3 : 7.8), setPower(nodes[1], up ? 7.8 : 8.3)]);
    const winners = await round(nodes);
    for (const w of winners) seen.add(w);
    await sleep(150);
  }
  t.deepEqual([...seen], [nodes[1].mac]);
  t.true(updates(dnsLog).length - before <= 1);
  t.log(
    `DNS updates: ${updates(dnsLog).join(', ')}; during 100 noisy rounds: ${updates(dnsLog).length - before}`,
  );

  // The status endpoint explains the last decision.
  const status = (await (await fetch(`${base(nodes[0])}/api/election`)).json()) as {
    lastDecision: { candidates: { verdict: string; reason: string }[] };
  };
  t.is(status.lastDecision.candidates.length, 3);
  t.true(status.lastDecision.candidates.every((c) => c.reason.length > 0));
});
