/**
 * The `pimesh` command line as a steward meets it: help and version, exit statuses (0 done, 1 failed,
 * 2 wrong command line, 78 bad configuration or port taken), one line per mistake, `status` and
 * `peers` against a running daemon, bash completion. Run through the real entry point (src/cli.ts).
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import test from 'ava';
import { COMMANDS } from '../src/cli/commands.js';
import { ago, peerTable } from '../src/cli/status-command.js';
import { VERSION } from '../src/version.js';
import { runCli, startPimesh } from './helpers/pimesh-process.js';

const run = promisify(execFile);
const NO_DAEMON = { PIMESH_HOST: '127.0.0.254', PIMESH_PORT: '47998' };

test('--version and -V print the version alone', async (t) => {
  for (const flag of ['--version', '-V', 'version']) {
    const r = await runCli([flag], {});
    t.is(r.code, 0);
    t.is(r.stdout, `${VERSION}\n`);
  }
});

test('--help lists every command, and each command has its own --help', async (t) => {
  const top = await runCli(['--help'], {});
  t.is(top.code, 0);
  for (const c of COMMANDS) t.regex(top.stdout, new RegExp(`^  ${c.name} `, 'm'));
  const results = await Promise.all(
    COMMANDS.filter((c) => !c.passThrough).map((c) => runCli([c.name, '--help'], {})),
  );
  for (const [i, c] of COMMANDS.filter((c) => !c.passThrough).entries()) {
    t.is(results[i].code, 0, c.name);
    t.regex(results[i].stdout, new RegExp(`^Usage: pimesh ${c.name}`, 'm'));
  }
});

test('an unknown command, option or stray argument is one line on stderr and exit 2', async (t) => {
  const cases: [string[], string][] = [
    [['frobnicate'], 'pimesh: unknown command "frobnicate" (see pimesh --help)'],
    [['--frobnicate'], 'pimesh: unknown option --frobnicate (see pimesh --help)'],
    [['serve', '--frobnicate'], 'pimesh: serve: unknown option --frobnicate (see pimesh serve --help)'],
    [['status', 'now'], 'pimesh: status: unexpected argument "now" (see pimesh status --help)'],
    [['completion', 'zsh'], 'pimesh: completion: only bash is supported (got "zsh")'],
  ];
  for (const [args, line] of cases) {
    const r = await runCli(args, {});
    t.is(r.code, 2, args.join(' '));
    t.is(r.stderr, `${line}\n`);
    t.is(r.stdout, '');
  }
});

test('a bad configuration exits 78, which the unit tells systemd not to restart on', async (t) => {
  const r = await runCli(['serve'], { PIMESH_PORT: 'eighty' });
  t.is(r.code, 78);
  t.regex(r.stderr, /http\.port \(PIMESH_PORT\): must be a port number/);
});

test('a port already taken is one clear line and exit 78', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await runCli(['serve'], {
    PIMESH_HOST: '127.0.0.1',
    PIMESH_PORT: String(port),
    PIMESH_MDNS: 'off',
  });
  t.is(r.code, 78);
  t.regex(
    r.stderr,
    new RegExp(`pimesh: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`),
  );
});

test('status and peers without a daemon say so and exit 1', async (t) => {
  for (const command of ['status', 'peers']) {
    const r = await runCli([command], NO_DAEMON);
    t.is(r.code, 1);
    t.is(
      r.stderr.trim(),
      'pimesh: no daemon answers on http://127.0.0.254:47998 (is it running? systemctl status pimesh) (ERR_NO_DAEMON)',
    );
  }
});

test('status describes a running simulated node in words, and peers shows its table', async (t) => {
  const node = await startPimesh({ PIMESH_MDNS: 'off' });
  t.teardown(() => node.stop());
  const env = { PIMESH_HOST: '127.0.0.1', PIMESH_PORT: String(node.port) };
  const status = await runCli(['status'], env, node.cwd);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /\(pimesh \d+\.\d+\.\d+\) is running normally, up \d+ min/);
  t.regex(status.stdout, /^Charge controller: SIMULATED \(the readings are invented\); last sample/m);
  t.regex(status.stdout, /^Peers: 0 known, 0 reachable/m);
  const peers = await runCli(['peers'], env, node.cwd);
  t.is(peers.code, 0, peers.stderr);
  t.is(peers.stdout, 'No peers known yet (the device list is empty).\n');
  const json = await runCli(['status', '--json'], env, node.cwd);
  t.is(JSON.parse(json.stdout).status.chargeController.simulated, true);
});

test('the peers table lines up name, address, last seen, reachability, PV and battery', (t) => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const row = (name: string, ip: string, lastSeen: string | null, pvW: number | null) => ({
    name,
    ip,
    city: '',
    lastSeen,
    reachable: pvW === null ? ('no' as const) : ('yes' as const),
    reachableNote: '',
    pvW,
    batteryPct: pvW === null ? null : 81.6,
    dataNote: '',
  });
  t.is(
    peerTable(
      [row('Hong Kong', '10.0.0.2', '2026-11-28T11:57:00Z', 12.34), row('Dominica', '10.0.0.30', null, null)],
      now,
    ),
    [
      'NAME       ADDRESS    LAST SEEN  REACHABLE  PV      BATTERY',
      'Hong Kong  10.0.0.2   3 min ago  yes        12.3 W  82 %',
      'Dominica   10.0.0.30  never      no         -       -',
    ].join('\n'),
  );
  t.is(ago('2026-11-28T09:00:00Z', now), '3 h ago');
});

test('the bash completion script is valid bash and completes commands and options', async (t) => {
  const script = (await runCli(['completion', 'bash'], {})).stdout;
  await t.notThrowsAsync(run('bash', ['-n', '-c', script]));
  const complete = async (line: string) => {
    const words = line.split(' ');
    const probe = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _pimesh; echo "\${COMPREPLY[*]}"`;
    return (await run('bash', ['-c', probe])).stdout.trim();
  };
  t.is(await complete('pimesh pe'), 'peers peer-data');
  t.is(await complete('pimesh post-ip --st'), '--standalone');
});
