import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { type PimeshProcess, startPimesh, tempCwd } from '../helpers/pimesh-process.js';

// Five `pimesh serve` processes on 127.0.0.1, each seeded with only the next one (a ring). Rounds are
// started through each node's /api/jobs/post-ip (the schedule is off), so the count is exact.

const KEY = 'five-node-test-key';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Node {
  index: number;
  mac: string;
  cwd: string;
  port: number;
  seed: number;
  process?: PimeshProcess;
}

async function start(node: Node): Promise<void> {
  node.process = await startPimesh(
    {
      PIMESH_PORT: String(node.port),
      PIMESH_PUBLIC_IP: '127.0.0.1',
      PIMESH_MAC: node.mac,
      PIMESH_NAME: `node ${node.index}`,
      PIMESH_NETWORK_KEY: KEY,
      PIMESH_SEEDS: `127.0.0.1:${node.seed}`,
      PIMESH_SCHEDULE: 'off',
      PIMESH_CHARGE_CONTROLLER: 'none',
    },
    node.cwd,
  );
}

async function round(nodes: Node[]): Promise<void> {
  for (const node of nodes) {
    const res = await fetch(`http://127.0.0.1:${node.port}/api/jobs/post-ip`, { method: 'POST' });
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
  const ports = await Promise.all(Array.from({ length: 5 }, freePort));
  const nodes: Node[] = ports.map((port, i) => ({
    index: i + 1,
    mac: `b8:27:eb:00:00:0${i + 1}`,
    cwd: tempCwd(),
    port,
    seed: ports[(i + 1) % 5],
  }));
  try {
    await Promise.all(nodes.map(start));
    await round(nodes);
    await round(nodes);
    const expected = Object.fromEntries(nodes.map((n) => [n.mac, `127.0.0.1:${n.port}`]).sort());
    for (const [i, list] of lists(nodes).entries())
      t.deepEqual(list, expected, `node ${i + 1} after two rounds`);

    // Node 3 comes back on another port: one round later every node has its new address.
    const moved = nodes[2];
    await moved.process?.stop();
    moved.port = await freePort();
    await start(moved);
    await round(nodes);
    const after = Object.fromEntries(nodes.map((n) => [n.mac, `127.0.0.1:${n.port}`]).sort());
    for (const [i, list] of lists(nodes).entries()) t.deepEqual(list, after, `node ${i + 1} after the move`);
  } finally {
    await Promise.all(nodes.map((n) => n.process?.stop()));
  }
});
