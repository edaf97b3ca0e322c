/**
 * `pimesh sensors <list|connections|simulate>`: poe-backend's POE-TERM commands (`l`, `t -c -p -t`)
 * as one-shots. `list` asks the running daemon, or reads the database itself when none runs;
 * `connections` needs the daemon (only it holds the boards' connections).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type LoadedConfig, loadConfig } from './config/load.js';
import { lanSensorsDbPath } from './ingest/lan-sensors/config.js';
import { LanSensors } from './ingest/lan-sensors/index.js';
import { simulateBoards } from './ingest/lan-sensors/simulate.js';
import { silentLogger } from './log.js';
import { daemonBase } from './one-shot.js';
import { boundedRequest, MiB } from './util/bounded-request.js';

export const SENSORS_USAGE = `Usage: pimesh sensors <command> [--config FILE]

  list                    the latest reading of every sensor (POE-TERM's table)
  connections             the boards connected to the running daemon (POE-TERM's l)
  simulate [-c N] [-p N] [-t S]
                          N fake boards (default 1) each sending the Arduino's 21 frames
                          N times (default 5, -1 until Ctrl-C), S seconds apart (default 0)`;

interface Reading {
  ip_id: string;
  sensor: string;
  value: number;
  status: string;
  at: string;
}

async function fromDaemon<T>(loaded: LoadedConfig, path: string): Promise<T | undefined> {
  try {
    const res = await boundedRequest(`${daemonBase(loaded)}${path}`, {
      timeoutMs: 10_000,
      maxBytes: 16 * MiB,
    });
    if (res.statusCode !== 200)
      throw new Error(`the daemon answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'ECONNREFUSED') return undefined;
    throw error;
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function list(loaded: LoadedConfig): Promise<number> {
  let readings = (await fromDaemon<{ readings: Reading[] }>(loaded, '/api/sensors/latest'))?.readings;
  if (readings === undefined) {
    const path = lanSensorsDbPath(loaded.config.sensors, loaded.config.dataDir);
    if (!existsSync(path)) {
      console.log(`no readings yet (no daemon answers, and there is no ${path})`);
      return 0;
    }
    const sensors = LanSensors.fromConfig(
      { ...loaded.config.sensors, port: undefined },
      {
        dataDir: loaded.config.dataDir,
        log: silentLogger(),
      },
    );
    await sensors.start();
    try {
      readings = sensors.latest({}).map((r) => ({ ...r, at: new Date(r.time * 1000).toISOString() }));
    } finally {
      await sensors.stop();
    }
  }
  if (readings.length === 0) {
    console.log('no readings yet');
    return 0;
  }
  const rows = readings.map((r) => [r.ip_id, r.sensor, String(r.value), r.status, r.at]);
  console.log(table([['ip_id', 'sensor', 'value', 'status', 'at'], ...rows]));
  return 0;
}

async function connections(loaded: LoadedConfig): Promise<number> {
  type Connection = {
    address: string;
    port: number;
    connectedAt: string;
    lastSeenAt: string;
    frames: number;
  };
  const answer = await fromDaemon<{ connections: Connection[] }>(loaded, '/api/sensors/connections');
  if (answer === undefined) {
    console.error(`pimesh sensors connections: no daemon answers at ${daemonBase(loaded)}`);
    return 1;
  }
  if (answer.connections.length === 0) {
    console.log('no boards connected');
    return 0;
  }
  const rows = answer.connections.map((c) => [
    `${c.address}:${c.port}`,
    c.connectedAt,
    c.lastSeenAt,
    String(c.frames),
  ]);
  console.log(table([['board', 'connected', 'last seen', 'frames'], ...rows]));
  return 0;
}

const count = (name: string, raw: string | undefined, fallback: number, min: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new RangeError(`${name} must be a whole number of at least ${min}, not "${raw}"`);
  return n;
};

interface SimulateFlags {
  count?: string;
  passes?: string;
  time?: string;
}

async function simulate(loaded: LoadedConfig, values: SimulateFlags): Promise<number> {
  const boards = count('-c', values.count, 1, 1);
  const passes = values.passes === '-1' ? -1 : count('-p', values.passes, 5, 1);
  const seconds = values.time === undefined ? 0 : Number(values.time);
  if (!(seconds >= 0)) throw new RangeError(`-t must be a number of seconds, not "${values.time}"`);
  const port = loaded.config.sensors.port ?? 1234;
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const result = await simulateBoards({
    port,
    boards,
    passes,
    intervalSeconds: seconds,
    signal: stop.signal,
  });
  console.log(`${result.boards} board(s) sent ${result.frames} frames to 127.0.0.1:${port}`);
  for (const f of result.failures) console.error(`board ${f.board}: ${f.message}`);
  return result.failures.length === 0 ? 0 : 1;
}

/** `-p -1` as POE-TERM takes it: a negative number after a flag is its value, not another flag. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^-[cpt]$/.test(argv[i]) && /^-\d/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

export async function sensorsCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: joinNegativeValues(argv),
    allowPositionals: true,
    allowNegative: false,
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      count: { type: 'string', short: 'c' },
      passes: { type: 'string', short: 'p' },
      time: { type: 'string', short: 't' },
    },
  });
  const sub = positionals[0];
  if (values.help || sub === undefined) {
    console.log(SENSORS_USAGE);
    return sub === undefined && !values.help ? 2 : 0;
  }
  const loaded = loadConfig({ configPath: values.config });
  if (sub === 'list') return list(loaded);
  if (sub === 'connections') return connections(loaded);
  if (sub === 'simulate') return simulate(loaded, values);
  console.error(`pimesh sensors: unknown command "${sub}"\n\n${SENSORS_USAGE}`);
  return 2;
}
