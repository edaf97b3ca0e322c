import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { type PimeshProcess, startPimesh, tempCwd } from '../helpers/pimesh-process.js';

// Five `pimesh serve` processes on 127.0.0.21-25, each seeded with only the next one (a ring). Rounds
// are started through each node's /api/jobs/post-ip (the schedule is off), so the count is exact.
//
// A ring needs every port before any node starts: each is picked free, released, and taken by its
// node a moment later. An address of its own per node keeps the rest of the suite, whose servers and
// connections use 127.0.0.1, from taking one in between.

const KEY = 'five-node-test-key';

function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Node {
  index: number;
  host: string;
  mac: string;
  cwd: string;
  /** 0 until it listens, when the kernel picks (the restart). */
  port: number;
  seed: string;
  process?: PimeshProcess;
}

async function start(node: Node): Promise<void> {
  node.process = await startPimesh(
    {
      PIMESH_HOST: node.host,
      PIMESH_PORT: String(node.port),
      PIMESH_PUBLIC_IP: node.host,
      PIMESH_MAC: node.mac,
      PIMESH_NAME: `node ${node.index}`,
      PIMESH_NETWORK_KEY: KEY,
      PIMESH_SEEDS: node.seed,
      PIMESH_SCHEDULE: 'off',
      PIMESH_CHARGE_CONTROLLER: 'none',
    },
    node.cwd,
  );
  node.port = node.process.port;
}

const address = (n: Node) => `${n.host}:${n.port}`;

async function round(nodes: Node[]): Promise<void> {
  for (const node of nodes) {
    const res = await fetch(`http://${address(node)}/api/jobs/post-ip`, { method: 'POST' });
    if (!res.ok) throw new Error(`round on node ${node.index}: ${res.status} ${await res.text()}`);
  }
}

/** mac -> ip as each node's deviceList.json holds it (sorted by mac). */
function lists(nodes: Node[]): Record<string, string>[] {
  return nodes.map((node) => {
    const list = JSON.parse(readFileSync(join(node.cwd, 'peers', 'deviceList.json'), 'utf8')) as {
      mac: string;
      ip: string;
    }[];
    return Object.fromEntries(list.map((e) => [e.mac, e.ip]).sort());
  });
}

test('five nodes seeded in a ring converge in two rounds, and follow an address change in one', async (t) => {
  t.timeout(300_000); // a safety net for five processes on a busy machine, not a measurement
  const hosts = [1, 2, 3, 4, 5].map((i) => `127.0.0.2${i}`);
  const ports = await Promise.all(hosts.map(freePort));
  const nodes: Node[] = hosts.map((host, i) => ({
    index: i + 1,
    host,
    mac: `b8:27:eb:00:00:0${i + 1}`,
    cwd: tempCwd(),
    port: ports[i],
    seed: `${hosts[(i + 1) % 5]}:${ports[(i + 1) % 5]}`,
  }));
  try {
    await Promise.all(nodes.map(start));
    await round(nodes);
    await round(nodes);
    const expected = Object.fromEntries(nodes.map((n) => [n.mac, address(n)]).sort());
    for (const [i, list] of lists(nodes).entries())
      t.deepEqual(list, expected, `node ${i + 1} after two rounds`);

    // Node 3 comes back on another port (the kernel's choice): one round later every node has it.
    const moved = nodes[2];
    await moved.process?.stop();
    // Its old port stays taken meanwhile, so the kernel's choice is another one.
    const placeholder = createServer().listen(moved.port, moved.host);
    await once(placeholder, 'listening');
    moved.port = 0;
    await start(moved);
    placeholder.close();
    await round(nodes);
    const after = Object.fromEntries(nodes.map((n) => [n.mac, address(n)]).sort());
    for (const [i, list] of lists(nodes).entries()) t.deepEqual(list, after, `node ${i + 1} after the move`);
  } finally {
    await Promise.all(nodes.map((n) => n.process?.stop()));
  }
});
