/**
 * The release artifact installed into a fresh Debian bookworm root with no compiler and no npm
 * (deploy/test/fresh-root.sh, which says what it checks), with this machine's Node and with Node 22
 * LTS when `.ci/run` fetched it. The artifact is built here by deploy/release.sh with npm offline:
 * every package comes from the npm cache `npm ci` filled, so nothing leaves the machine. The Debian
 * root is made once by `.ci/run` (fresh-root.sh prepare).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { condition, needs, root } from '../helpers/needs.js';

const run = promisify(execFile);
const CACHE = process.env.PIMESH_TEST_ROOT ?? '/var/cache/pimesh-test/bookworm';
const NODE22 = process.env.PIMESH_TEST_NODE22 ?? join(dirname(CACHE), 'node-22', 'bin', 'node');
const fresh = needs(
  root,
  'chroot',
  'curl',
  condition(
    existsSync(join(CACHE, 'bin/bash')),
    `no cached Debian root at ${CACHE} (deploy/test/fresh-root.sh prepare)`,
  ),
);
const fresh22 = needs(
  root,
  'chroot',
  'curl',
  condition(existsSync(join(CACHE, 'bin/bash')), `no cached Debian root at ${CACHE}`),
  // Only x86-64 gets it from the npm registry; never required of a machine that cannot.
  condition(
    existsSync(NODE22),
    `no Node 22 at ${NODE22} (deploy/test/fresh-root.sh prepare)`,
    process.arch === 'x64',
  ),
);

let artifact: Promise<string> | undefined;
let outDir: string | undefined;
test.after.always(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** One artifact for both runs. */
function release(): Promise<string> {
  artifact ??= (async () => {
    outDir = await mkdtemp(join(tmpdir(), 'pimesh-artifact-'));
    const env = { ...process.env, npm_config_offline: 'true' };
    const made = await run('bash', ['deploy/release.sh', '--out', outDir], { env, maxBuffer: 16 << 20 });
    return made.stdout.trim().split('\n').pop() as string;
  })();
  return artifact;
}

async function installRun(t: Parameters<Parameters<typeof fresh>[1]>[0], node: string) {
  t.timeout(300_000);
  const file = await release();
  t.regex(file, /pimesh-\d+\.\d+\.\d+\.tgz$/);
  const result = await run('bash', ['deploy/test/fresh-root.sh', 'run', '--artifact', file, '--node', node], {
    maxBuffer: 16 << 20,
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`${error.message}\n${error.stderr ?? ''}`);
  });
  for (const line of result.stderr.trim().split('\n')) t.log(line);
  const figures = Object.fromEntries([...result.stdout.matchAll(/(\w+)=(\S+)/g)].map(([, k, v]) => [k, v]));
  t.log(
    `Node ${figures.node}: install ${figures.install_ms} ms, ${figures.footprint_mb} MB installed, pimesh --help ${figures.help_ms} ms`,
  );
  t.true(Number(figures.footprint_mb) < 60, `${figures.footprint_mb} MB installed (target < 60 MB)`);
  t.regex(result.stderr, /pimesh doctor: \d+ PASS, \d+ WARN, 0 FAIL/);
  t.regex(result.stderr, /uninstall --purge removed everything install added/);
}

fresh.serial(
  'with this machine’s Node, the release installs, runs, passes doctor, updates and uninstalls cleanly in a fresh Debian root',
  (t) => installRun(t, process.execPath),
);

fresh22.serial('with Node 22 LTS too (node:sqlite built in), the same install passes', (t) =>
  installRun(t, NODE22),
);
