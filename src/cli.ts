#!/usr/bin/env -S node --max-semi-space-size=2
// First: V8 flags must be set before the other modules are evaluated.
import './low-memory.js';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { Daemon } from './daemon.js';
import { ConfigError, PimeshError } from './errors.js';
import { createLogger } from './log.js';
import { VERSION } from './version.js';

const USAGE = `pimesh ${VERSION}: a solar mesh node

Usage: pimesh <command> [--config FILE]

Commands:
  serve          run the node: HTTP API on :8080, charge-controller logging, scheduled jobs
  log-sample     take one charge-controller sample now (asks a running daemon first)
  post-ip        one gossip round: post this node's address to seeds and peers (daemon first)
  elect          one point-of-entry election round, and the DNS update if this node wins (daemon first)
  sensors        LAN sensor boards: list, connections, simulate (see pimesh sensors --help)
  detections     BLE detections: simulate agents (see pimesh detections --help)
  config         check the configuration and print it (secrets hidden)
  version        print the version

Configuration: --config FILE (default ./pimesh.config.json) and PIMESH_* variables; see README.`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'sensors') {
    // Its own options: POE-TERM's -c/-p/-t (so --config has no short form there).
    const { sensorsCommand } = await import('./sensors-cli.js');
    return sensorsCommand(argv.slice(1));
  }
  if (argv[0] === 'detections') {
    const { detectionsCommand } = await import('./detections-cli.js');
    return detectionsCommand(argv.slice(1));
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'version') {
    console.log(VERSION);
    return 0;
  }
  const loaded = loadConfig({ configPath: values.config });
  if (loaded.config.timezone) process.env.TZ = loaded.config.timezone;

  switch (command) {
    case 'serve':
      return serve(loaded);
    case 'log-sample': {
      // Loaded only here: `serve` never needs the HTTP client.
      const { runLogSample } = await import('./one-shot.js');
      return runLogSample(loaded);
    }
    case 'post-ip': {
      const { runPostIp } = await import('./one-shot.js');
      return runPostIp(loaded);
    }
    case 'elect': {
      const { runElect } = await import('./one-shot.js');
      return runElect(loaded);
    }
    case 'config':
      console.log(JSON.stringify(redact(loaded.config), null, 2));
      console.error(`configuration OK (${loaded.sources.join('; ') || 'defaults'})`);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(loaded: ReturnType<typeof loadConfig>): Promise<number> {
  const log = createLogger(loaded.config.log.level);
  log.info({ version: VERSION, sources: loaded.sources }, 'pimesh starting');
  const daemon = new Daemon(loaded, log);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const hard = setTimeout(() => process.exit(128 + code), 5000);
    hard.unref();
    void daemon.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM', 15));
  process.once('SIGINT', () => shutdown('SIGINT', 2));
  await daemon.start();
  return -1;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  // A database or broker URL may carry a password: postgres://user:secret@host/db.
  if (typeof value === 'string')
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1(hidden)@');
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      /key|secret|password|token/i.test(k) && v ? '(hidden)' : redact(v),
    ]),
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else if (error instanceof PimeshError) console.error(`pimesh: ${error.message} (${error.code})`);
    else console.error(error);
    process.exitCode = 1;
  },
);
