import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createCommand } from '../../../src/mesh/dns/command.js';
import { type CommandConfig, commandConfigSchema } from '../../../src/mesh/dns/config.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { running, until } from '../../helpers/until.js';

const SECRET = 'tsig-secret-value';
const secrets = secretsFromObject({ NSUPDATE_KEY: SECRET, OTHER_SECRET: 'never-passed' });

/** A shell script in a fresh temp dir, mode 0755. */
async function script(t: ExecutionContext, body: string, mode = 0o755) {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-dns-command-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'update-dns.sh');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, mode);
  return { dir, path };
}

/** The process ids the script wrote to these files in `dir`. */
async function readPids(dir: string, files: string[]): Promise<number[]> {
  return Promise.all(files.map(async (file) => Number((await readFile(join(dir, file), 'utf8')).trim())));
}

/** Kills what is left of those processes (a test that failed half-way). */
async function killPids(dir: string, files: string[]): Promise<void> {
  for (const pid of await readPids(dir, files).catch(() => [])) {
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

const config = (path: string, extra: Partial<CommandConfig> = {}): CommandConfig =>
  commandConfigSchema.parse({ provider: 'command', path, target: 'poe.example.test', ...extra });

test('the schema needs an absolute path and a target; the rest has defaults', (t) => {
  t.deepEqual(config('/usr/local/bin/dns'), {
    provider: 'command',
    path: '/usr/local/bin/dns',
    args: [],
    target: 'poe.example.test',
    timeoutMs: 30_000,
    passSecrets: [],
  });
  t.false(commandConfigSchema.safeParse({ provider: 'command', path: 'update.sh', target: 'x' }).success);
  t.false(
    commandConfigSchema.safeParse({ provider: 'command', path: '/x', target: 'x', passSecrets: ['A-B'] })
      .success,
  );
});

test('exit 0 succeeds with the first line of stdout; the address and target are in the environment', async (t) => {
  const { dir, path } = await script(
    t,
    `env > "$(dirname "$0")/env.txt"\necho "updated $PIMESH_DNS_TARGET to $PIMESH_DNS_IP with $1"\necho second line`,
  );
  const provider = createCommand(config(path, { args: ['arg one'] }), secrets);
  t.is(provider.name, 'command');
  t.is(provider.target, 'poe.example.test');
  t.is(await provider.update('203.0.113.7'), 'updated poe.example.test to 203.0.113.7 with arg one');
  const env = await readFile(join(dir, 'env.txt'), 'utf8');
  t.regex(env, /^PIMESH_DNS_IP=203\.0\.113\.7$/m);
  t.regex(env, /^PIMESH_DNS_TARGET=poe\.example\.test$/m);
  t.false(env.includes(SECRET), 'no secret unless listed');
  t.false(env.includes('never-passed'));
});

test("the command does not inherit the daemon's own variables", async (t) => {
  process.env.PIMESH_NETWORK_KEY = 'daemon-network-key';
  t.teardown(() => {
    delete process.env.PIMESH_NETWORK_KEY;
  });
  const { dir, path } = await script(t, 'env > "$(dirname "$0")/env.txt"');
  await createCommand(config(path), secrets).update('203.0.113.7');
  const env = await readFile(join(dir, 'env.txt'), 'utf8');
  t.false(env.includes('daemon-network-key'));
  t.regex(env, /^PATH=/m, 'PATH is kept so scripts can find their tools');
});

test('listed secrets are passed under their own names and hidden from the description', async (t) => {
  const { path } = await script(t, 'echo "key is $NSUPDATE_KEY"');
  const provider = createCommand(config(path, { passSecrets: ['NSUPDATE_KEY'] }), secrets);
  t.is(await provider.update('203.0.113.7'), 'key is ***');
});

test('a listed secret missing from the secrets file fails at creation, naming it', (t) => {
  const error = t.throws(() => createCommand(config('/bin/true', { passSecrets: ['ABSENT'] }), secrets));
  t.is((error as DnsUpdateError).code, 'ERR_DNS_CONFIG');
  t.regex((error as Error).message, /ABSENT/);
});

test('exit 0 with no output is described by the exit status; long lines are cut to 200', async (t) => {
  const quiet = await script(t, 'exit 0');
  t.regex(await createCommand(config(quiet.path), secrets).update('203.0.113.7'), /exited with status 0$/);
  const loud = await script(t, `printf '%0300d\\n' 0`);
  const description = await createCommand(config(loud.path), secrets).update('203.0.113.7');
  t.is(description.length, 201);
  t.true(description.endsWith('…'));
});

test('a non-zero exit is ERR_DNS_REJECTED with the status and the last stderr line, secrets hidden', async (t) => {
  const { path } = await script(
    t,
    `echo "first problem" >&2\necho "update refused for key $NSUPDATE_KEY" >&2\nexit 3`,
  );
  const provider = createCommand(config(path, { passSecrets: ['NSUPDATE_KEY'] }), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.is(error?.message, `command: ${path} exited with status 3: update refused for key ***`);
  t.false(error?.message.includes(SECRET));
});

test('a command that overruns is killed (with its children) and is ERR_DNS_UNREACHABLE', async (t) => {
  // Neither the script nor its child would ever end by itself: only the kill can end them.
  const { dir, path } = await script(
    t,
    `echo $$ > "$(dirname "$0")/script.pid"\nsleep 3600 &\necho $! > "$(dirname "$0")/child.pid"\nwait`,
  );
  t.teardown(() => killPids(dir, ['script.pid', 'child.pid']));
  // Long enough for a busy machine to start the script and write both ids before the kill.
  const provider = createCommand(config(path, { timeoutMs: 2000 }), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_UNREACHABLE');
  t.regex(error?.message ?? '', /did not finish within 2000 ms/);
  const [shell, child] = await readPids(dir, ['script.pid', 'child.pid']);
  t.true(await until('the script to be killed', () => !running(shell)));
  t.true(await until('the sleep started by the script to be killed too', () => !running(child)));
});

test('a missing executable is ERR_DNS_CONFIG (ENOENT)', async (t) => {
  const provider = createCommand(config('/nonexistent/pimesh-dns-update'), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.false(error?.retryable);
  t.regex(error?.message ?? '', /ENOENT/);
});

test('a file that is not executable is ERR_DNS_CONFIG (EACCES)', async (t) => {
  const { path } = await script(t, 'exit 0', 0o644);
  const error = await t.throwsAsync(createCommand(config(path), secrets).update('203.0.113.7'), {
    instanceOf: DnsUpdateError,
  });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.regex(error?.message ?? '', /EACCES/);
});

test('an address that is not IPv4 is refused before running anything', async (t) => {
  const { dir, path } = await script(t, 'touch "$(dirname "$0")/ran"');
  const error = await t.throwsAsync(createCommand(config(path), secrets).update('$(reboot)'));
  t.is((error as DnsUpdateError).code, 'ERR_DNS_CONFIG');
  await t.throwsAsync(readFile(join(dir, 'ran')));
});

test('aborting stops the command: ERR_DNS_UNREACHABLE', async (t) => {
  const { path } = await script(t, 'sleep 30');
  const controller = new AbortController();
  const pending = createCommand(config(path), secrets).update('203.0.113.7', controller.signal);
  setTimeout(() => controller.abort(), 100);
  const error = await t.throwsAsync(pending, { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_UNREACHABLE');
  t.regex(error?.message ?? '', /aborted/);
});

test('a script that exits 0 but leaves a background process holding stdout still succeeds', async (t) => {
  const { dir, path } = await script(
    t,
    'echo done\nsleep 3600 &\necho $! > "$(dirname "$0")/child.pid"\nexit 0',
  );
  t.teardown(() => killPids(dir, ['child.pid']));
  // Had the update waited for stdout to close, it would have hit this timeout and failed.
  const provider = createCommand(config(path, { timeoutMs: 20_000 }), secrets);
  t.is(await provider.update('203.0.113.7'), 'done');
  const [child] = await readPids(dir, ['child.pid']);
  t.true(running(child), 'the update did not wait for the background process holding stdout');
});
