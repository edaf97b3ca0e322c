import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { SIMULATED_DIR } from '../../src/readings/tracer-dir.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { type PimeshProcess, startPimesh, tempCwd } from '../helpers/pimesh-process.js';
import { parseMetrics, sampleValue } from '../helpers/prometheus.js';
import { READING } from '../helpers/readings.js';
import { until } from '../helpers/until.js';

// Three `pimesh serve` processes on 127.0.0.21-23 (schedule off, as in the election's three-node test):
// they gossip until each knows the others, each gets a PV power the test writes, each runs one election
// round, and then every node's /metrics is scraped. DNS is the `command` provider appending to a file.

const KEY = 'three-node-metrics-key';

interface Node {
  index: number;
  host: string;
  mac: string;
  cwd: string;
  store: TracerStore;
  process: PimeshProcess;
}

const base = (n: Node) => `http://${n.host}:${n.process.port}`;

async function text(url: string, init?: RequestInit): Promise<string> {
  const res = await fetch(url, init);
  const body = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${body}`);
  return body;
}

function known(node: Node): string[] {
  const file = join(node.cwd, 'peers', 'deviceList.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8') || '[]') as { mac: string }[]).map((e) => e.mac);
}

async function startNode(index: number, script: string, seeds: Node[]): Promise<Node> {
  const host = `127.0.0.2${index}`;
  const cwd = tempCwd();
  mkdirSync(join(cwd, 'data', SIMULATED_DIR), { recursive: true });
  const config = {
    election: { timeoutMs: 30_000 },
    dns: { provider: 'command', path: script, target: 'poe.example.test', minIntervalSeconds: 0 },
  };
  writeFileSync(join(cwd, 'pimesh.config.json'), JSON.stringify(config));
  const mac = `b8:27:eb:00:01:0${index}`;
  const pimesh = await startPimesh(
    {
      PIMESH_HOST: host,
      PIMESH_PUBLIC_IP: host,
      PIMESH_MAC: mac,
      PIMESH_NAME: `node ${index}`,
      PIMESH_NETWORK_KEY: KEY,
      PIMESH_SEEDS: seeds.map((n) => `${n.host}:${n.process.port}`).join(','),
      PIMESH_SCHEDULE: 'off',
      PIMESH_CHARGE_CONTROLLER: 'sim',
    },
    cwd,
  );
  const store = new TracerStore(join(cwd, 'data', SIMULATED_DIR));
  return { index, host, mac, cwd, store, process: pimesh };
}

test('after an election, exactly one of three nodes reports itself as the point of entry', async (t) => {
  t.timeout(300_000); // three processes on a busy machine: a safety net, not a measurement
  const shared = tempCwd();
  const script = join(shared, 'publish.sh');
  writeFileSync(script, `#!/bin/sh\necho "$PIMESH_DNS_IP" >> '${join(shared, 'dns.log')}'\n`);
  chmodSync(script, 0o755);

  const nodes: Node[] = [];
  t.teardown(() => Promise.all(nodes.map((n) => n.process.stop())).then(() => {}));
  nodes.push(await startNode(1, script, []));
  nodes.push(...(await Promise.all([2, 3].map((i) => startNode(i, script, [nodes[0]])))));
  const macs = nodes.map((n) => n.mac);

  await until('every node to know the other two', async () => {
    for (const node of [nodes[1], nodes[2], nodes[0]])
      await text(`${base(node)}/api/jobs/post-ip`, { method: 'POST' });
    return nodes.every((n) => macs.every((mac) => known(n).includes(mac)));
  });
  await Promise.all(
    nodes.map(async (node, i) => {
      const watts = [6, 10, 8][i];
      await node.store.append(new Date(), { ...READING, 'PV power L': watts });
      const served = () => text(`${base(node)}/api/v1/chargecontroller.php?value=PV-power-L`);
      await until(`node ${node.index} to serve ${watts} W`, async () => Number(await served()) === watts);
    }),
  );
  for (const node of nodes) await text(`${base(node)}/api/jobs/elect`, { method: 'POST' });

  const scraped = await Promise.all(nodes.map(async (n) => parseMetrics(await text(`${base(n)}/metrics`))));
  const poe = scraped.map((families) => sampleValue(families, 'pimesh_point_of_entry'));
  t.deepEqual(poe, [0, 1, 0], 'node 2 has the most sun');
  t.deepEqual(
    scraped.map((f) => sampleValue(f, 'pimesh_election_rounds_total')),
    [1, 1, 1],
  );
  t.deepEqual(
    scraped.map((f) => sampleValue(f, 'pimesh_dns_updates_total')),
    [0, 1, 0],
    'only the holder published',
  );
  t.deepEqual(
    scraped.map((f) => sampleValue(f, 'pimesh_peers_known')),
    [2, 2, 2],
  );
  t.deepEqual(
    scraped.map((f) => sampleValue(f, 'pimesh_charge_controller_watts', { circuit: 'pv' })),
    [6, 10, 8],
  );
  for (const families of scraped) {
    t.true((sampleValue(families, 'pimesh_gossip_posts_sent_total', { result: 'answered' }) ?? 0) > 0);
    t.true((sampleValue(families, 'pimesh_gossip_posts_received_total', { result: 'stored' }) ?? 0) > 0);
    t.true((sampleValue(families, 'process_resident_memory_bytes') ?? 0) > 0);
  }
});
