/**
 * The release artifact installed into a fresh Debian bookworm root with no compiler and no npm
 * (deploy/test/fresh-root.sh, which says what it checks). The artifact is built here by
 * deploy/release.sh with npm offline: every package comes from the npm cache `npm ci` filled, so
 * nothing leaves the machine. The Debian root is made once by `.ci/run` (fresh-root.sh prepare).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { condition, needs, root } from '../helpers/needs.js';

const run = promisify(execFile);
const CACHE = process.env.PIMESH_TEST_ROOT ?? '/var/cache/pimesh-test/bookworm';
const fresh = needs(
  root,
  'chroot',
  'curl',
  condition(
    existsSync(join(CACHE, 'bin/bash')),
    `no cached Debian root at ${CACHE} (deploy/test/fresh-root.sh prepare)`,
  ),
);

fresh.serial(
  'the release installs, runs, updates and uninstalls cleanly in a fresh Debian root without build tools',
  async (t) => {
    t.timeout(240_000);
    const out = await mkdtemp(join(tmpdir(), 'pimesh-artifact-'));
    t.teardown(() => rm(out, { recursive: true, force: true }));
    const env = { ...process.env, npm_config_offline: 'true' };
    const release = await run('bash', ['deploy/release.sh', '--out', out], { env, maxBuffer: 16 << 20 });
    const artifact = release.stdout.trim().split('\n').pop() as string;
    t.regex(artifact, /pimesh-\d+\.\d+\.\d+\.tgz$/);
    const result = await run('bash', ['deploy/test/fresh-root.sh', 'run', '--artifact', artifact], {
      maxBuffer: 16 << 20,
    }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`${error.message}\n${error.stderr ?? ''}`);
    });
    for (const line of result.stderr.trim().split('\n')) t.log(line);
    const figures = Object.fromEntries(
      [...result.stdout.matchAll(/(\w+)=(\d+)/g)].map(([, key, value]) => [key, Number(value)]),
    );
    t.log(
      `install ${figures.install_ms} ms, ${figures.footprint_mb} MB installed, pimesh --help ${figures.help_ms} ms`,
    );
    t.true(figures.footprint_mb < 60, `${figures.footprint_mb} MB installed (target < 60 MB)`);
    t.regex(result.stderr, /uninstall --purge removed everything install added/);
  },
);
