import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { CommandError, execFileRunner } from '../../src/system/command-runner.js';
import { running, until } from '../helpers/until.js';

const node = process.execPath;

test('the runner answers stdout, with no shell in between', async (t) => {
  t.is(await execFileRunner(node, ['-e', 'process.stdout.write("temp=45.8\'C")'], 5000), "temp=45.8'C");
  t.is(
    await execFileRunner(node, ['-e', 'process.stdout.write(process.argv[1])', '$(echo no) ; x'], 5000),
    '$(echo no) ; x',
  );
});

test('a non-zero exit rejects', async (t) => {
  const error = await t.throwsAsync(execFileRunner(node, ['-e', 'process.exit(255)'], 5000));
  t.true(error instanceof CommandError);
  t.regex(error?.message ?? '', /exited with status 255/);
});

test('a missing executable rejects with ENOENT', async (t) => {
  const error = await t.throwsAsync<CommandError>(
    execFileRunner('/nonexistent/vcgencmd', ['measure_temp'], 5000),
  );
  t.is(error?.code, 'ENOENT');
});

test('a command that hangs is killed at the timeout', async (t) => {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'pimesh-runner-')), 'pid');
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {}
    rmSync(dirname(pidFile), { recursive: true, force: true });
  });
  // It never ends by itself: only the kill at the timeout can. Long enough for a busy machine to start it.
  const hang = `echo $$ > '${pidFile}'; exec sleep 3600`;
  const error = await t.throwsAsync<CommandError>(execFileRunner('/bin/sh', ['-c', hang], 2000));
  t.is(error?.code, 'ETIMEDOUT');
  t.regex(error?.message ?? '', /timed out after 2000 ms/);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.true(await until('the command to be gone', () => !running(pid)));
});
