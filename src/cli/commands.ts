/**
 * Every `pimesh` command: its name, one line for `pimesh --help`, its own help, its options (as
 * node:util parseArgs takes them) and what it runs. Each command loads its code when it runs, so
 * `pimesh --help` and `pimesh --version` load nothing but this table.
 */
import type { ParseArgsConfig } from 'node:util';
import type { LoadedConfig } from '../config/load.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** Arguments after the name, for the usage line (`<sensors command> ...`). */
  args?: string;
  /** More lines for `pimesh <command> --help`. */
  details?: string;
  options: Options;
  /** The command parses its own arguments (sensors, detections): everything after the name goes to it. */
  passThrough?: boolean;
  /** Needs the configuration loaded (most do). */
  config?: boolean;
  run(context: {
    values: Values;
    positionals: string[];
    argv: string[];
    loaded?: LoadedConfig;
  }): Promise<number>;
}

const CONFIG: Options = { config: { type: 'string', short: 'c' } };
const ONE_SHOT: Options = {
  ...CONFIG,
  force: { type: 'boolean' },
  standalone: { type: 'boolean' },
};
const ONE_SHOT_DETAILS = `Asks the daemon on this machine (http.port) to run the job and prints its answer.
  --force        run even when the energy-aware cadence says the job is not due yet
  --standalone   when no daemon answers, run the job in this process (it opens the hardware itself)
Without --standalone, no daemon answering is an error (exit 1), so a cron line cannot silently
become a second node writing its own data.`;

const oneShot = (name: string, summary: string): Command => ({
  name,
  summary,
  options: ONE_SHOT,
  config: true,
  details: ONE_SHOT_DETAILS,
  async run({ values, loaded }) {
    const { runOneShot } = await import('../one-shot.js');
    return runOneShot(loaded as LoadedConfig, name, {
      force: values.force === true,
      standalone: values.standalone === true,
    });
  },
});

export const COMMANDS: Command[] = [
  {
    name: 'serve',
    summary: 'run the node: HTTP API, charge-controller logging, scheduled jobs',
    options: CONFIG,
    config: true,
    async run({ loaded }) {
      const { serve } = await import('./serve.js');
      return serve(loaded as LoadedConfig);
    },
  },
  {
    name: 'status',
    summary: "the running daemon's status, in words",
    options: { ...CONFIG, json: { type: 'boolean' } },
    config: true,
    details: "  --json         print the daemon's answer as JSON instead",
    async run({ values, loaded }) {
      const { statusCommand } = await import('./status-command.js');
      return statusCommand(loaded as LoadedConfig, values.json === true);
    },
  },
  {
    name: 'peers',
    summary: 'the mesh as the daemon sees it: name, address, last seen, reachable, PV',
    options: { ...CONFIG, json: { type: 'boolean' } },
    config: true,
    details: '  --json         print the rows as JSON instead',
    async run({ values, loaded }) {
      const { peersCommand } = await import('./status-command.js');
      return peersCommand(loaded as LoadedConfig, values.json === true);
    },
  },
  {
    name: 'doctor',
    summary: 'check this machine: config, daemon, devices, permissions, peers, clock, schedule',
    options: CONFIG,
    details: 'Each check is PASS, WARN or FAIL with a fix; the exit status is 1 when anything FAILs.',
    async run({ values }) {
      const { doctorCommand } = await import('./doctor.js');
      return doctorCommand(values.config as string | undefined);
    },
  },
  oneShot('log-sample', 'take one charge-controller sample now'),
  oneShot('post-ip', "one gossip round: post this node's address to seeds and peers"),
  oneShot('check-ip', "check this node's own address and announce a change to the peers at once"),
  oneShot('elect', 'one point-of-entry election round, and the DNS update if this node wins'),
  oneShot('retention', 'delete what is older than the retention limits (CSV days, departed peers)'),
  oneShot('peer-data', "fetch every peer's recent readings (opendata.php?day=4) for server="),
  {
    name: 'sensors',
    summary: 'LAN sensor boards: list, connections, simulate',
    args: '<list|connections|simulate> ...',
    options: {},
    passThrough: true,
    async run({ argv }) {
      const { sensorsCommand } = await import('../sensors-cli.js');
      return sensorsCommand(argv);
    },
  },
  {
    name: 'detections',
    summary: 'BLE detections: simulate agents',
    args: 'simulate ...',
    options: {},
    passThrough: true,
    async run({ argv }) {
      const { detectionsCommand } = await import('../detections-cli.js');
      return detectionsCommand(argv);
    },
  },
  {
    name: 'config',
    summary: 'check the configuration and print it (secrets hidden)',
    options: CONFIG,
    config: true,
    async run({ loaded }) {
      const { printConfig } = await import('./serve.js');
      return printConfig(loaded as LoadedConfig);
    },
  },
  {
    name: 'backup',
    summary: 'one tar.gz of config, keys, lists and data (modes kept)',
    options: { ...CONFIG, output: { type: 'string', short: 'o' } },
    details: '  --output FILE  where to write it (default ./pimesh-backup-<time>.tar.gz; mode 0600)',
    config: true,
    async run({ values, loaded }) {
      const { backup } = await import('./backup.js');
      return backup(loaded as LoadedConfig, values.output as string | undefined);
    },
  },
  {
    name: 'restore',
    summary: 'put a backup back where it came from (the daemon stopped)',
    args: '<FILE>',
    options: { ...CONFIG, force: { type: 'boolean' }, root: { type: 'string' } },
    details:
      '  --force        restore even while the daemon answers\n  --root DIR     restore below DIR instead of / (to inspect, or for another disk)',
    config: true,
    async run({ values, positionals, loaded }) {
      if (positionals.length !== 1)
        throw new UsageError('restore: name one backup file (see pimesh restore --help)');
      const { restore } = await import('./backup.js');
      return restore(loaded as LoadedConfig, positionals[0], {
        force: values.force === true,
        root: values.root as string | undefined,
      });
    },
  },
  {
    name: 'demo',
    summary: 'a five-node mesh on this machine, simulated suns around the world (Ctrl-C stops it)',
    options: { 'base-port': { type: 'string' }, nodes: { type: 'string' } },
    details:
      "  --base-port N  the first node's port, the others follow (default 8081)\n  --nodes N      2 to 5 (default 5)",
    async run({ values }) {
      const number = (v: unknown, fallback: number, what: string) => {
        const n = v === undefined ? fallback : Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 65_535)
          throw new UsageError(`demo: ${what} must be a whole number`);
        return n;
      };
      const { demo } = await import('./demo.js');
      return demo({
        basePort: number(values['base-port'], 8081, '--base-port'),
        nodes: number(values.nodes, 5, '--nodes'),
      });
    },
  },
  {
    name: 'completion',
    summary: 'print the bash completion script',
    args: 'bash',
    details: 'Install: pimesh completion bash | sudo tee /etc/bash_completion.d/pimesh',
    options: {},
    async run({ positionals }) {
      const shell = positionals[0] ?? 'bash';
      if (shell !== 'bash') throw new UsageError(`completion: only bash is supported (got "${shell}")`);
      const { bashCompletion } = await import('./completion.js');
      process.stdout.write(bashCompletion(COMMANDS));
      return 0;
    },
  },
  {
    name: 'version',
    summary: 'print the version',
    options: {},
    async run() {
      const { VERSION } = await import('../version.js');
      console.log(VERSION);
      return 0;
    },
  },
];

/** A wrong command line: one line on stderr and exit status 2. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}
