#!/usr/bin/env node
// Builds dist/ for `npm start` in a checkout, only when the sources changed, and never over files a
// running node is loading. Each build goes to its own directory, .build/<hash of the sources>, and
// dist is a symlink switched to it in one rename. A node started earlier resolved its modules through
// the old target (Node loads modules by their real path), so it keeps loading its own version,
// lazily imported modules included. The newest three builds are kept.
//
//   node deploy/build.mjs           build if the sources changed (what npm start and prepare run)
//   node deploy/build.mjs --force   build even when up to date
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILDS = join(ROOT, '.build');
const DIST = join(ROOT, 'dist');
const KEEP = 3;
const force = process.argv.includes('--force');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The build's name: a hash of every source, the compiler options and the package version. */
function buildId() {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(join(ROOT, 'src')).sort(), join(ROOT, 'tsconfig.json')]) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  return hash.digest('hex').slice(0, 16);
}

const id = buildId();
const target = join(BUILDS, id);
const linked = existsSync(DIST) && lstatSync(DIST).isSymbolicLink() ? readlinkSync(DIST) : undefined;

if (!force && linked === relative(ROOT, target) && existsSync(join(target, 'cli.js'))) {
  process.exit(0); // up to date: nothing to say, nothing to write
}

mkdirSync(BUILDS, { recursive: true });
if (force || !existsSync(join(target, 'cli.js'))) {
  const temp = `${target}.tmp-${process.pid}`;
  console.error(`pimesh build: compiling into .build/${id}`);
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['-p', ROOT, '--outDir', temp], { stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(temp, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
  // Another start may have built the same sources meanwhile: either copy is the same.
  if (existsSync(target)) rmSync(temp, { recursive: true, force: true });
  else renameSync(temp, target);
}

// dist → .build/<id>, switched in one rename. A real dist/ (an older layout, or `tsc -p .`) is moved
// aside first: it stays on disk for whatever still runs from it.
if (existsSync(DIST) && !lstatSync(DIST).isSymbolicLink()) renameSync(DIST, join(BUILDS, `plain-${Date.now()}`));
const link = `${DIST}.tmp-${process.pid}`;
rmSync(link, { force: true });
symlinkSync(relative(ROOT, target), link);
renameSync(link, DIST);

// The newest KEEP builds stay (the one just linked among them); older ones go.
const builds = readdirSync(BUILDS)
  .filter((name) => !name.includes('.tmp-'))
  .map((name) => ({ name, mtime: statSync(join(BUILDS, name)).mtimeMs }))
  .sort((a, b) => b.mtime - a.mtime);
for (const old of builds.slice(KEEP)) {
  if (old.name !== id) rmSync(join(BUILDS, old.name), { recursive: true, force: true });
}
