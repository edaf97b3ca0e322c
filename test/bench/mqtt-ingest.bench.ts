/**
 * MQTT ingest of BLE detections: how many agent messages (10 detections each) a second reach the
 * store end to end. Agents in this process (src/ingest/detections/simulate.ts, QoS 1, as fast as the
 * broker takes them) publish to a mosquitto on 127.0.0.1; the node's subscriber (dist/, the daemon's
 * V8 flags, a child process) stores every message before its PUBACK through the Detections service
 * (SQLite, synchronous=FULL). Cases: live (the node up while the agents publish), and a backlog (the
 * node down while they publish, the broker holding the messages for its persistent session, then
 * the node starts and drains them). Two more backlog runs put the same subscriber in front of a
 * minimal SQLite store and of a store that only counts, to show where the time goes.
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { simulateDetections } from '../../src/ingest/detections/simulate.js';
import type { BenchContext } from './lib/context.js';
import { type CpuUse, watchCpu } from './lib/cpu.js';
import { type BenchCheck, type BenchResult, fmt, mb } from './lib/report.js';
import { timedGet } from './lib/request.js';
import { type ChildServer, childEnv, freePort, HOST, readMemory } from './lib/servers.js';

const MESSAGES = Number(process.env.PIMESH_BENCH_MQTT_MESSAGES ?? 20_000);
/** Rounds of every case, interleaved (this machine's speed drifts by a quarter from minute to minute). */
const ROUNDS = Number(process.env.PIMESH_BENCH_MQTT_ROUNDS ?? 3);
const AGENTS = 8;
const TARGET = 5000;

type Store = 'detections' | 'minimal' | 'count';

interface Case {
  label: string;
  store: Store;
  backlog: boolean;
  /** The target applies (the real store, end to end). */
  target: boolean;
}

const CASES: Case[] = [
  { label: 'live, Detections store', store: 'detections', backlog: false, target: true },
  { label: 'backlog after a restart, Detections store', store: 'detections', backlog: true, target: true },
  { label: 'backlog, minimal SQLite store (reference)', store: 'minimal', backlog: true, target: false },
  { label: 'backlog, store that only counts (reference)', store: 'count', backlog: true, target: false },
];

/**
 * The subscriber and its store (`STORE`); on a second port, once subscribed, its counters and the
 * times of its subscription and of its first and last store.
 */
const CHILD_SOURCE = `import { createServer } from 'node:http';
const root = process.env.PIMESH_DIST;
await import(root + 'low-memory.js');
const { MqttSubscriber } = await import(root + 'ingest/detections/mqtt-subscriber.js');
const { createLogger } = await import(root + 'log.js');
const log = createLogger('warn');
let ingest;
let close = async () => {};
const times = { subscribedAt: 0, firstStoredAt: 0, lastStoredAt: 0, readable: 0, lastReadableAt: 0 };
if (process.env.STORE === 'detections') {
  const { Detections } = await import(root + 'ingest/detections/index.js');
  const { detectionsConfigSchema } = await import(root + 'ingest/detections/config.js');
  const detections = new Detections({
    config: detectionsConfigSchema.parse({ dbPath: process.env.DETECTIONS_DB }),
    dataDir: process.env.DATA_DIR,
    log,
  });
  await detections.start();
  // A batch is readable once merged from the inbox: the clock stops at the last one readable.
  detections.onStored(() => {
    times.readable++;
    times.lastReadableAt = Date.now();
  });
  ingest = detections.ingest;
  close = () => detections.stop();
} else if (process.env.STORE === 'minimal') {
  // The delivery key, the batch and its detections in one transaction, synchronous=FULL.
  const { openSqlite, transaction } = await import(root + 'storage/sqlite.js');
  const db = openSqlite(process.env.DETECTIONS_DB);
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;');
  db.exec('CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY); CREATE TABLE IF NOT EXISTS detections (device_id TEXT, device_hash TEXT, rssi INTEGER, at TEXT)');
  const key = db.prepare('INSERT INTO deliveries VALUES (?) ON CONFLICT DO NOTHING');
  const row = db.prepare('INSERT INTO detections VALUES (?, ?, ?, ?)');
  ingest = async (batch, options) => transaction(db, () => {
    if (Number(key.run(options.deliveryKey).changes) === 0) {
      return { device_id: batch.device_id, count: 0, skipped: 0, duplicate: true };
    }
    for (const d of batch.detections) row.run(batch.device_id, d.device_hash, d.rssi, d.timestamp);
    return { device_id: batch.device_id, count: batch.detections.length, skipped: 0, duplicate: false };
  });
  close = async () => db.close();
} else {
  ingest = async (batch) => ({ device_id: batch.device_id, count: batch.detections.length, skipped: 0, duplicate: false });
}
const subscriber = new MqttSubscriber({
  url: process.env.BROKER_URL,
  clientId: 'pimesh-bench-detections',
  ingest,
  log,
});
subscriber.on('stored', () => {
  times.lastStoredAt = Date.now();
  times.firstStoredAt ||= times.lastStoredAt;
  if (process.env.STORE !== 'detections') {
    times.readable++;
    times.lastReadableAt = times.lastStoredAt;
  }
});
subscriber.once('subscribed', () => {
  times.subscribedAt = Date.now();
  createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ ...subscriber.counters(), ...times }));
  }).listen(Number(process.env.COUNTERS_PORT), '${HOST}');
});
await subscriber.start();
process.once('SIGTERM', async () => {
  await subscriber.stop();
  await close();
  process.exit(0);
});
`;

interface Counters {
  received: number;
  stored: number;
  detections: number;
  duplicates: number;
  rejected: number;
  storeFailures: number;
  subscribedAt: number;
  firstStoredAt: number;
  lastStoredAt: number;
  /** Batches readable (the Detections store: merged from its inbox; the others: stored). */
  readable: number;
  lastReadableAt: number;
}

interface CaseResult {
  spec: Case;
  /** Messages stored a second: from the first publish (live) or the subscription (backlog) to the last readable. */
  storedPerSec: number;
  publishedPerSec: number;
  counters: Counters;
  cpu: CpuUse;
  peakRss: number;
}

function fail(message: string): never {
  throw new Error(`MQTT ingest bench: ${message}`);
}

function mosquittoPath(): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, 'mosquitto'), constants.X_OK);
      return join(dir, 'mosquitto');
    } catch {}
  }
  return fail('mosquitto is not installed (Debian: apt-get install mosquitto)');
}

async function counters(port: number): Promise<Counters> {
  const res = await timedGet(port, '/');
  if (res.status !== 200) fail(`counters answered ${res.status}`);
  return JSON.parse(res.body) as Counters;
}

interface Node {
  child: ChildServer;
  port: number;
}

async function startNode(
  ctx: BenchContext,
  script: string,
  dir: string,
  url: string,
  store: Store,
): Promise<Node> {
  const port = await freePort();
  const child = await ctx.processes.start({
    name: `MQTT subscriber (${store} store)`,
    command: process.execPath,
    args: ['--max-semi-space-size=2', script],
    env: childEnv({
      PIMESH_DIST: `${pathToFileURL(join(ctx.root, 'dist')).href}/`,
      BROKER_URL: url,
      STORE: store,
      COUNTERS_PORT: String(port),
      DETECTIONS_DB: join(dir, 'detections.db'),
      DATA_DIR: dir,
    }),
    cwd: dir,
    // It listens once subscribed.
    port,
    startTimeoutMs: 30_000,
  });
  return { child, port };
}

/** Polls the node until `total` messages are stored, sampling its memory; fails if it stalls for 10 s. */
async function settled(node: Node, total: number) {
  let peakRss = 0;
  let last = await counters(node.port);
  let still = 0;
  while (last.readable + last.duplicates + last.rejected < total) {
    await sleep(100);
    peakRss = Math.max(peakRss, readMemory(node.child.pid).rssBytes);
    const now = await counters(node.port);
    still = now.received === last.received ? still + 1 : 0;
    if (still > 100) fail(`no progress for 10 s at ${now.stored} of ${total} stored`);
    last = now;
  }
  return { counters: last, peakRss };
}

async function publish(url: string) {
  const published = await simulateDetections({ agents: AGENTS, rate: 0, count: MESSAGES, mqtt: { url } });
  if (published.failed > 0) fail(`${published.failed} messages not acknowledged: ${published.failures[0]}`);
  return (MESSAGES * 1000) / published.elapsedMs;
}

async function runCase(ctx: BenchContext, script: string, url: string, spec: Case): Promise<CaseResult> {
  const dir = ctx.tempDir('pimesh-bench-mqtt-');
  ctx.progress(`${spec.label}: ${fmt(MESSAGES)} messages from ${AGENTS} agents`);
  let publishedPerSec = 0;
  if (spec.backlog) {
    // Subscribe once so the broker keeps a session for the node, stop it, publish, then start it.
    await (await startNode(ctx, script, dir, url, spec.store)).child.stop();
    publishedPerSec = await publish(url);
  }
  const node = await startNode(ctx, script, dir, url, spec.store);
  try {
    const watch = watchCpu([node.child.pid]);
    const startedAt = Date.now();
    if (!spec.backlog) publishedPerSec = await publish(url);
    const { counters: c, peakRss } = await settled(node, MESSAGES);
    const cpu = watch.stop();
    const from = spec.backlog ? c.subscribedAt : startedAt;
    if (c.stored !== MESSAGES) fail(`${spec.label}: ${c.stored} of ${MESSAGES} stored`);
    if (c.detections !== MESSAGES * 10) fail(`${spec.label}: ${c.detections} detections stored`);
    return {
      spec,
      storedPerSec: (c.stored * 1000) / (c.lastReadableAt - from),
      publishedPerSec,
      counters: c,
      cpu,
      peakRss,
    };
  } finally {
    await node.child.stop();
  }
}

async function startBroker(ctx: BenchContext): Promise<{ broker: ChildServer; url: string }> {
  const dir = ctx.tempDir('pimesh-bench-mosquitto-');
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      // As root mosquitto would drop to its own user; nothing here needs that.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} ${HOST}`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 0',
      '',
    ].join('\n'),
  );
  const broker = await ctx.processes.start({
    name: 'mosquitto',
    command: mosquittoPath(),
    args: ['-c', config],
    env: childEnv({}),
    cwd: dir,
    port,
  });
  return { broker, url: `mqtt://${HOST}:${port}` };
}

export async function mqttIngestBench(ctx: BenchContext): Promise<BenchResult> {
  const script = join(ctx.tempDir('pimesh-bench-mqtt-child-'), 'mqtt-child.mjs');
  writeFileSync(script, CHILD_SOURCE);
  const { broker, url } = await startBroker(ctx);
  const rounds = CASES.map((): CaseResult[] => []);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, spec] of CASES.entries()) rounds[i].push(await runCase(ctx, script, url, spec));
    }
  } finally {
    await broker.stop();
  }
  // Each case's best round, as every load case of these benchmarks; the median and every round beside it.
  const results = rounds.map((r) => [...r].sort((a, b) => b.storedPerSec - a.storedPerSec)[0]);
  const median = (r: CaseResult[]) => [...r].map((x) => x.storedPerSec).sort((a, b) => a - b)[r.length >> 1];
  const checks: BenchCheck[] = results
    .filter((r) => r.spec.target)
    .map((r) => ({
      name: `MQTT messages/s stored end to end (10 detections each), ${r.spec.label}`,
      target: `>= ${fmt(TARGET)}`,
      measured: fmt(r.storedPerSec, 0),
      pass: r.storedPerSec >= TARGET,
    }));
  return {
    name: 'MQTT ingest (BLE detections)',
    tables: [
      {
        title: `${fmt(MESSAGES)} messages of 10 detections from ${AGENTS} agents at QoS 1, each stored before its PUBACK; best of ${ROUNDS} rounds`,
        columns: [
          'case',
          'stored msg/s',
          'median',
          'rounds',
          'detections/s',
          'published msg/s',
          'node CPU',
          'peak RSS',
          'duplicates',
        ],
        rows: results.map((r, i) => [
          r.spec.label,
          fmt(r.storedPerSec, 0),
          fmt(median(rounds[i]), 0),
          rounds[i].map((x) => fmt(x.storedPerSec, 0)).join(' '),
          fmt(r.storedPerSec * 10, 0),
          fmt(r.publishedPerSec, 0),
          `${fmt(r.cpu.servers, 2)} cores`,
          mb(r.peakRss),
          fmt(r.counters.duplicates, 0),
        ]),
      },
    ],
    checks,
    notes: [
      `Every case ran ${ROUNDS} times, interleaved (round by round), on a fresh database each time; the table and the targets take each case's best round, with the median and every round beside it.`,
      "Live: from the first publish to the last batch readable. Backlog: from the restarted node's subscription to the last batch readable (what the broker held for its persistent session).",
      'At most 16 messages are being stored at once (maxInFlight; the original allowed 3); the broker waits beyond that (TCP flow control). The Detections store appends each batch to its inbox journal (O_DSYNC, the batches written meanwhile in one write) before its PUBACK, and a worker thread merges the journal into the detections and the rollup within 200 ms (under load back to back, up to 4,096 batches a transaction), rows sorted by time, synchronous=FULL (a batch is readable, and announced, once merged); the minimal store commits each batch alone.',
      "Minimal SQLite store: the delivery key and the 10 rows in one transaction (synchronous=FULL). Only counts: no store at all, the subscriber and mqtt.js alone. The gap between them and the Detections store is the store's own work per batch.",
      "The agents (this runner), mosquitto and the node share the machine's cores.",
    ],
  };
}
