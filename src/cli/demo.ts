/**
 * `pimesh demo` (`npm run demo`): a five-node mesh on this machine's loopback, to see what pimesh does
 * without a Pi. Each node is a real `pimesh serve` with a simulated charge controller under another
 * sun (its own latitude, longitude and time zone), gossiping with the first node as seed and electing
 * a point of entry every 10 s, at a quick cadence meant for watching, not for batteries. A week of
 * the simulator's readings is written first, so the charts have a history. Each dashboard is at
 * http://127.0.0.1:<port>/. Ctrl-C stops every node and removes their directories.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portFree } from '../doctor/checks.js';
import { PimeshError } from '../errors.js';
import { SIMULATED_DIR } from '../readings/tracer-dir.js';

/** Five of the Solar Protocol network's places, around the world, so some are always in the sun. */
export const DEMO_PLACES = [
  { name: 'Demo Hong Kong', lat: 22.3, long: 114.2, tz: 'Asia/Hong_Kong', pvWatts: 50 },
  { name: 'Demo Kalimpong', lat: 27.1, long: 88.5, tz: 'Asia/Kolkata', pvWatts: 40 },
  { name: 'Demo Dominica', lat: 15.4, long: -61.4, tz: 'America/Dominica', pvWatts: 50 },
  { name: 'Demo New York', lat: 40.7, long: -74.0, tz: 'America/New_York', pvWatts: 60 },
  { name: 'Demo Melbourne', lat: -37.8, long: 145.0, tz: 'Australia/Melbourne', pvWatts: 45 },
] as const;

const KEY = 'pimesh-demo-network-key';

export interface DemoOptions {
  basePort: number;
  nodes: number;
  /** For tests: where to print (default console). */
  out?: (line: string) => void;
}

function nodeConfig(index: number, port: number, seed: number, dir: string) {
  const place = DEMO_PLACES[index % DEMO_PLACES.length];
  const local = { name: place.name, lat: place.lat, long: place.long, tz: place.tz, pvWatts: place.pvWatts };
  writeFileSync(join(dir, 'local.json'), JSON.stringify(local));
  const config = {
    http: { host: '127.0.0.1', port },
    dataDir: join(dir, 'data'),
    peersDir: join(dir, 'peers'),
    localJson: join(dir, 'local.json'),
    identity: {
      name: place.name,
      mac: `02:00:00:00:00:${String(index + 1).padStart(2, '0')}`,
      publicIp: '127.0.0.1',
    },
    network: {
      key: KEY,
      seeds: index === 0 ? [] : [`127.0.0.1:${seed}`],
      gossipIntervalSeconds: 10,
      peerDataIntervalSeconds: 30,
    },
    election: { intervalSeconds: 10, holdSeconds: 30 },
    chargeController: { source: 'sim', sampleIntervalSeconds: 10 },
    schedule: { cadence: { enabled: false } },
    mdns: 'off',
    log: { level: 'warn' },
  };
  writeFileSync(join(dir, 'pimesh.config.json'), JSON.stringify(config, null, 2));
  return { place, env: { ...process.env, TZ: place.tz, PIMESH_CONFIG: join(dir, 'pimesh.config.json') } };
}

/**
 * A week of the simulator's readings, every 20 minutes, written as the node's logger would have
 * (local dates and times of the node's zone), so its dashboard has charts from the start.
 */
async function backfill(dir: string, place: (typeof DEMO_PLACES)[number], now: Date): Promise<void> {
  const { SimulatedChargeController } = await import('../hardware/charge-controller/simulator.js');
  const { formatTracerRow, tracerFileName, TRACER_HEADER_LINE } = await import('../readings/tracer-csv.js');
  const sim = new SimulatedChargeController({
    latitude: place.lat,
    longitude: place.long,
    pvWatts: place.pvWatts,
  });
  const saved = process.env.TZ;
  process.env.TZ = place.tz; // the node's local dates and times
  try {
    const files = new Map<string, string[]>();
    for (let t = now.getTime() - 7 * 86_400_000; t < now.getTime(); t += 20 * 60_000) {
      const at = new Date(t);
      const name = tracerFileName(at);
      if (!files.has(name)) files.set(name, [TRACER_HEADER_LINE]);
      files.get(name)?.push(formatTracerRow(at, await sim.read(at)));
    }
    mkdirSync(dir, { recursive: true });
    for (const [name, lines] of files) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

export async function demo(options: DemoOptions): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const count = Math.min(Math.max(options.nodes, 2), DEMO_PLACES.length);
  const ports = Array.from({ length: count }, (_, i) => options.basePort + i);
  for (const port of ports) {
    const taken = await portFree('127.0.0.1', port);
    if (taken)
      throw new PimeshError(`127.0.0.1:${port} is taken (${taken}): choose another --base-port`, {
        code: 'ERR_PORT_TAKEN',
      });
  }
  const root = mkdtempSync(join(tmpdir(), 'pimesh-demo-'));
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  for (const [i, port] of ports.entries()) {
    const dir = join(root, `node${i + 1}`);
    mkdirSync(dir);
    const { place, env } = nodeConfig(i, port, ports[0], dir);
    await backfill(join(dir, 'data', SIMULATED_DIR), place, new Date());
    // The same V8 flags as the unit; this process's loader too (a checkout run through tsx).
    const child = spawn(process.execPath, [...process.execArgv, cli, 'serve'], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    out(`${place.name.padEnd(16)} http://127.0.0.1:${port}/   (${place.tz}, pid ${child.pid})`);
  }
  out(
    `\n${count} nodes on 127.0.0.1, seeded by the first; gossip and election every 10 s. Ctrl-C stops them.`,
  );

  const exited = Promise.all(
    children.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve()))),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      out('\nstopping the demo nodes...');
      stopAll();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A node that dies on its own ends the demo too, rather than leaving a partial mesh.
    for (const child of children) child.once('exit', (code) => code !== 0 && code !== null && stop());
  });
  await exited;
  rmSync(root, { recursive: true, force: true });
  out('demo stopped; its directories are removed.');
  return 0;
}
