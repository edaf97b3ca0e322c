import test from 'ava';
import { CommandError, execFileRunner } from '../../src/system/command-runner.js';

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
  const started = Date.now();
  const error = await t.throwsAsync<CommandError>(
    execFileRunner(node, ['-e', 'setTimeout(() => {}, 10000)'], 300),
  );
  t.is(error?.code, 'ETIMEDOUT');
  t.true(Date.now() - started < 5000);
});
