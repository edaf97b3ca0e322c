/**
 * A real BIND `named` on 127.0.0.1 for DNS UPDATE tests: a temp dir, TSIG keys from `tsig-keygen`, one
 * dynamic zone `example.test` that the keys `ddns-key` (hmac-sha256), `ddns-key-512` and `ddns-key-sha1`
 * may update, plus `readonly-key`, which the server knows but does not allow to update. The zone holds
 * `ns1` (127.0.0.1) and `two` (192.0.2.1 and 192.0.2.2).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findTool } from './needs.js';

const run = promisify(execFile);

export interface NamedKey {
  name: string;
  algorithm: 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';
  /** Base64, as in the key file. */
  secret: string;
}

export interface Named {
  port: number;
  zone: string;
  /** The hmac-sha256 key allowed to update the zone, and its secret. */
  keyName: string;
  secret: string;
  /** Every key named knows (the update key of each algorithm, and `readonly-key`). */
  keys: Record<'sha256' | 'sha512' | 'sha1' | 'readonly', NamedKey>;
  /** `dig @127.0.0.1 -p PORT name A +short`: the addresses, one a line, sorted; '' when none. */
  dig(name: string): Promise<string>;
  /** named's output so far. */
  log(): string;
  stop(): Promise<void>;
}

const ZONE = 'example.test';
/** named processes still running and their temp dirs, cleaned up even if the test process dies early. */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A port free on 127.0.0.1 for both TCP and UDP (bound, then released). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const udp = createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => (free ? udp.close(() => resolve()) : resolve()));
    if (free) return port;
  }
  throw new Error('no free TCP+UDP port on 127.0.0.1');
}

async function keygen(name: string, algorithm: NamedKey['algorithm']): Promise<NamedKey> {
  const { stdout } = await run(findTool('tsig-keygen') ?? 'tsig-keygen', ['-a', algorithm, name]);
  const secret = /secret\s+"([^"]+)"/.exec(stdout)?.[1];
  if (!secret) throw new Error(`tsig-keygen printed no secret: ${stdout}`);
  return { name, algorithm, secret };
}

/** What startNamed() runs: register its tests with `needs(...NAMED_TOOLS)` (./needs.ts). */
export const NAMED_TOOLS = ['named', 'tsig-keygen', 'dig'];

/** Starts named, resolving once it logs "running". Throws when one of NAMED_TOOLS is missing. */
export async function startNamed(options: { startTimeoutMs?: number } = {}): Promise<Named> {
  const absent = NAMED_TOOLS.filter((tool) => !findTool(tool));
  if (absent.length > 0) throw new Error(`not installed: ${absent.join(', ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-named-'));
  const [sha256, sha512, sha1, readonly] = await Promise.all([
    keygen('ddns-key', 'hmac-sha256'),
    keygen('ddns-key-512', 'hmac-sha512'),
    keygen('ddns-key-sha1', 'hmac-sha1'),
    keygen('readonly-key', 'hmac-sha256'),
  ]);
  const keys = { sha256, sha512, sha1, readonly };
  const port = await freePort();
  const conf = join(dir, 'named.conf');
  await writeFile(
    conf,
    [
      'options {',
      `  directory "${dir}"; pid-file "${join(dir, 'named.pid')}";`,
      `  listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; };`,
      '  recursion no; dnssec-validation no; notify no; allow-query { 127.0.0.1; };',
      '};',
      'controls { };',
      ...Object.values(keys).map(
        (k) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };`,
      ),
      `zone "${ZONE}" { type primary; file "${join(dir, `db.${ZONE}`)}";`,
      `  allow-update { key "${sha256.name}"; key "${sha512.name}"; key "${sha1.name}"; }; };`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, `db.${ZONE}`),
    [
      '$TTL 60',
      `@ IN SOA ns1.${ZONE}. admin.${ZONE}. ( 1 60 60 600 60 )`,
      `  IN NS ns1.${ZONE}.`,
      'ns1 IN A 127.0.0.1',
      'two IN A 192.0.2.1', // a name with two A records
      'two IN A 192.0.2.2',
      '',
    ].join('\n'),
  );

  const args = ['-4', '-g', '-n', '1', '-c', conf];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn(findTool('named') ?? 'named', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, dir);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  child.once('error', (error) => {
    output += String(error);
  });
  const started = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), options.startTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/\brunning\b/.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  if (!(await started)) {
    await stop();
    throw new Error(`named did not start on 127.0.0.1:${port}:\n${output}`);
  }
  return {
    port,
    zone: ZONE,
    keyName: sha256.name,
    secret: sha256.secret,
    keys,
    async dig(name) {
      const { stdout } = await run(findTool('dig') ?? 'dig', [
        '@127.0.0.1',
        '-p',
        String(port),
        name,
        'A',
        '+short',
        '+tries=1',
      ]);
      return stdout.trim().split('\n').filter(Boolean).sort().join('\n');
    },
    log: () => output,
    stop,
  };
}
