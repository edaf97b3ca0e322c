import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { createLogger } from '../../../src/log.js';
import { parseSecrets, readSecrets, secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';

/** A pino logger writing into `lines`, as the daemon's logger would write to journald. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger('info', destination), lines, text: () => JSON.stringify(lines) };
}

async function secretsFile(t: ExecutionContext, text: string, mode: number) {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-secrets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, '.spenv');
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

const SPENV = [
  '# written by set_env.sh',
  'export API_KEY=network-key-1',
  'export DNS_KEY="dns key with spaces"',
  "export STATIC_HOST_IP='203.0.113.7'",
  '',
  'PLAIN=plain-value # trailing comment',
  'WITH_EQUALS=a=b=c',
  'HASH_INSIDE=abc#def',
  'ESCAPED="say \\"hi\\" \\\\ now"',
  '  INDENTED = spaced  ',
  'EMPTY=',
  'DNS_KEY="the last one wins"',
].join('\n');

test('parses KEY=value and .spenv export lines, quotes, comments and blank lines', (t) => {
  const { values, badLines } = parseSecrets(SPENV);
  t.deepEqual(Object.fromEntries(values), {
    API_KEY: 'network-key-1',
    DNS_KEY: 'the last one wins',
    STATIC_HOST_IP: '203.0.113.7',
    PLAIN: 'plain-value',
    WITH_EQUALS: 'a=b=c',
    HASH_INSIDE: 'abc#def',
    ESCAPED: 'say "hi" \\ now',
    INDENTED: 'spaced',
    EMPTY: '',
  });
  t.deepEqual(badLines, []);
});

test('a backslash and an n inside double quotes stay two characters, as bash reads them', (t) => {
  const { values } = parseSecrets('export DNS_KEY="a\\nb"\n');
  t.is(values.get('DNS_KEY'), 'a\\nb');
});

test('lines that are not assignments are reported by number only', (t) => {
  const { values, badLines } = parseSecrets(
    'GOOD=1\nnot an assignment\n9BAD=x\nOPEN="unterminated\r\nCRLF=ok\r\n',
  );
  t.deepEqual(Object.fromEntries(values), { GOOD: '1', CRLF: 'ok' });
  t.deepEqual(badLines, [2, 3, 4]);
});

test('readSecrets reads a 0600 file without a warning', async (t) => {
  const path = await secretsFile(t, SPENV, 0o600);
  const { log, lines } = capturedLogger();
  const secrets = await readSecrets(path, log);
  t.is(secrets.get('DNS_KEY'), 'the last one wins');
  t.is(secrets.require('namecheap', 'API_KEY'), 'network-key-1');
  t.deepEqual(lines, []);
});

test('a 0644 secrets file is read with one warning naming the path and mode, never a value', async (t) => {
  const path = await secretsFile(t, SPENV, 0o644);
  const { log, lines, text } = capturedLogger();
  const secrets = await readSecrets(path, log);
  t.is(secrets.get('PLAIN'), 'plain-value');
  t.is(lines.length, 1);
  t.is(lines[0].level, 40, 'warn');
  t.is(lines[0].path, path);
  t.is(lines[0].mode, '0644');
  t.regex(String(lines[0].msg), /0644/);
  t.regex(String(lines[0].msg), /chmod 600/);
  for (const value of ['network-key-1', 'dns key with spaces', 'the last one wins', 'plain-value']) {
    t.false(text().includes(value), `the log holds no secret (${value})`);
  }
});

test('bad lines are warned about by number, not content', async (t) => {
  const path = await secretsFile(t, 'GOOD=1\nsecret-looking-garbage\n', 0o600);
  const { log, lines, text } = capturedLogger();
  await readSecrets(path, log);
  t.is(lines.length, 1);
  t.deepEqual(lines[0].lines, [2]);
  t.false(text().includes('secret-looking-garbage'));
});

test('a configured path that does not exist is ERR_DNS_CONFIG naming the path', async (t) => {
  const path = join(tmpdir(), 'pimesh-no-such-dir', '.spenv');
  const error = await t.throwsAsync(readSecrets(path, capturedLogger().log), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.false(error?.retryable);
  t.true(error?.message.includes(path));
});

test('no path gives empty secrets; require names the missing key, not values', async (t) => {
  const none = await readSecrets(undefined, capturedLogger().log);
  t.is(none.get('DNS_KEY'), undefined);
  const error = t.throws(() => none.require('namecheap', 'DNS_KEY'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.regex(error?.message ?? '', /^namecheap: secret DNS_KEY is missing/);
});

test('require refuses an empty value and never prints the other secrets', (t) => {
  const secrets = secretsFromObject({ DNS_KEY: '', OTHER: 'hunter2' });
  const error = t.throws(() => secrets.require('sp-gateway', 'DNS_KEY'), { instanceOf: DnsUpdateError });
  t.regex(error?.message ?? '', /DNS_KEY is empty/);
  t.false(error?.message.includes('hunter2'));
  t.false(JSON.stringify({ secrets }).includes('hunter2'), 'serialising the secrets shows key names only');
});
