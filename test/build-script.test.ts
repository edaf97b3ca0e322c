/**
 * `npm start`'s build (deploy/build.mjs) in a copy of the checkout: nothing is compiled when the
 * sources did not change, and a change builds a new directory that dist is switched to, leaving the
 * files of the build a running node loaded as they were.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

const ROOT = new URL('..', import.meta.url).pathname;

function checkoutCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-build-'));
  for (const name of ['src', 'tsconfig.json', 'package.json'])
    cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  mkdirSync(join(dir, 'deploy'));
  cpSync(join(ROOT, 'deploy', 'build.mjs'), join(dir, 'deploy', 'build.mjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const build = (dir: string) =>
  spawnSync(process.execPath, [join(dir, 'deploy', 'build.mjs')], { encoding: 'utf8' });

test('a build is reused while the sources are the same, and a change goes to a new directory', (t) => {
  const dir = checkoutCopy();
  const first = build(dir);
  t.is(first.status, 0, first.stderr);
  const firstTarget = readlinkSync(join(dir, 'dist'));
  t.regex(firstTarget, /^\.build\/[0-9a-f]{16}$/);
  const cli = join(dir, firstTarget, 'cli.js');
  const loaded = statSync(cli);

  const again = build(dir);
  t.is(again.status, 0);
  t.is(again.stderr, '', 'nothing compiled, nothing said');
  t.is(readlinkSync(join(dir, 'dist')), firstTarget);

  appendFileSync(join(dir, 'src', 'version.ts'), '\n// a change\n');
  const changed = build(dir);
  t.is(changed.status, 0, changed.stderr);
  t.regex(changed.stderr, /compiling into \.build\//);
  t.not(readlinkSync(join(dir, 'dist')), firstTarget, 'dist follows the new build');
  const after = statSync(cli);
  t.is(after.ino, loaded.ino, 'the running build’s files are the same files');
  t.is(after.mtimeMs, loaded.mtimeMs, 'and were not rewritten');

  const version = spawnSync(process.execPath, [join(dir, 'dist', 'cli.js'), '--version'], {
    encoding: 'utf8',
  });
  t.is(
    version.stdout.trim(),
    JSON.parse(spawnSync('cat', [join(dir, 'package.json')], { encoding: 'utf8' }).stdout).version,
  );
});
