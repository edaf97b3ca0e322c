/**
 * `pimesh backup` and `pimesh restore`: one tar.gz of what makes this node itself: the config file
 * and its env file (keys), local.json, the peer lists and state, and the data directory (readings,
 * API.keys, network data). tar keeps modes (0600 keys stay 0600) and, run as root, owners. Paths are
 * stored as they are on this machine, below a manifest (`pimesh-backup.json`) naming them, so
 * restore puts each back where it was and refuses an archive that is not a pimesh backup.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { PimeshError } from '../errors.js';
import { daemonBase } from '../one-shot.js';
import { boundedRequest } from '../util/bounded-request.js';
import { runCommand } from '../util/run-command.js';
import { VERSION } from '../version.js';

export const MANIFEST = 'pimesh-backup.json';

export interface Manifest {
  pimesh: string;
  createdAt: string;
  /** Absolute paths, as on the machine backed up. */
  paths: string[];
}

/** What a backup holds: each path that exists, absolute, none inside another. */
export function backupPaths(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const { config } = loaded;
  const candidates = new Set<string>();
  const files = loaded.sources.filter((s) => s.endsWith('.json'));
  if (env.PIMESH_CONFIG) files.push(env.PIMESH_CONFIG);
  for (const file of files) {
    candidates.add(resolve(file));
    candidates.add(resolve(dirname(file), 'env'));
  }
  if (config.localJson) candidates.add(resolve(config.localJson));
  candidates.add(resolve(config.peersDir));
  candidates.add(resolve(config.dataDir));
  if (config.piBackend.keysFile) candidates.add(resolve(config.piBackend.keysFile));
  const present = [...candidates].filter((p) => existsSync(p)).sort();
  // A path inside a directory already in the list goes with it.
  return present.filter(
    (p) => !present.some((q) => q !== p && !relative(q, p).startsWith('..') && statSync(q).isDirectory()),
  );
}

async function tar(args: string[]): Promise<void> {
  const result = await runCommand('tar', args, { timeoutMs: 30 * 60_000 });
  if (result.code !== 0) {
    throw new PimeshError(`tar failed: ${result.stderr.trim().split('\n').pop() ?? result.code}`, {
      code: 'ERR_TAR',
    });
  }
}

export async function backup(loaded: LoadedConfig, output: string | undefined): Promise<number> {
  const paths = backupPaths(loaded);
  if (paths.length === 0)
    throw new PimeshError('nothing to back up: no config, lists or data found', { code: 'ERR_NOTHING' });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = resolve(output ?? `pimesh-backup-${stamp}.tar.gz`);
  const manifestDir = mkdtempSync(join(tmpdir(), 'pimesh-backup-'));
  try {
    const manifest: Manifest = { pimesh: VERSION, createdAt: new Date().toISOString(), paths };
    writeFileSync(join(manifestDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    // Members relative to /, the manifest first; the archive itself is only for its owner.
    await tar([
      '-czpf',
      file,
      '--numeric-owner',
      '-C',
      manifestDir,
      MANIFEST,
      '-C',
      '/',
      ...paths.map((p) => p.slice(1)),
    ]);
  } finally {
    rmSync(manifestDir, { recursive: true, force: true });
  }
  const { chmodSync } = await import('node:fs');
  chmodSync(file, 0o600);
  console.log(file);
  console.error(`backed up ${paths.length} path(s): ${paths.join(', ')}`);
  return 0;
}

async function daemonRunning(loaded: LoadedConfig): Promise<boolean> {
  try {
    await boundedRequest(`${daemonBase(loaded)}/api/status`, { timeoutMs: 2000, maxBytes: 1 << 20 });
    return true;
  } catch {
    return false;
  }
}

/** Puts every path of the backup back where it was (under `root`, default /). */
export async function restore(
  loaded: LoadedConfig,
  file: string,
  options: { force?: boolean; root?: string } = {},
): Promise<number> {
  const source = resolve(file);
  if (!existsSync(source)) throw new PimeshError(`${file}: no such file`, { code: 'ERR_NO_FILE' });
  const probe = mkdtempSync(join(tmpdir(), 'pimesh-restore-'));
  let manifest: Manifest;
  try {
    await tar(['-xzf', source, '-C', probe, MANIFEST]).catch(() => {
      throw new PimeshError(`${file} is not a pimesh backup (no ${MANIFEST} in it)`, {
        code: 'ERR_NOT_A_BACKUP',
      });
    });
    const { readFileSync } = await import('node:fs');
    manifest = JSON.parse(readFileSync(join(probe, MANIFEST), 'utf8')) as Manifest;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  if (
    !Array.isArray(manifest.paths) ||
    manifest.paths.some((p) => typeof p !== 'string' || !p.startsWith('/') || p.includes('..'))
  ) {
    throw new PimeshError(`${file}: its manifest names paths a backup cannot hold`, {
      code: 'ERR_NOT_A_BACKUP',
    });
  }
  if (!options.force && (await daemonRunning(loaded))) {
    throw new PimeshError('the daemon is running: stop it first (systemctl stop pimesh), or --force', {
      code: 'ERR_DAEMON_RUNNING',
    });
  }
  const root = resolve(options.root ?? '/');
  // Only the manifest's paths come out, with their modes (and owners, as root).
  await tar(['-xzpf', source, '--numeric-owner', '-C', root, ...manifest.paths.map((p) => p.slice(1))]);
  console.error(
    `restored ${manifest.paths.length} path(s) from pimesh ${manifest.pimesh}'s backup of ${manifest.createdAt}`,
  );
  for (const p of manifest.paths) console.log(join(root, p));
  return 0;
}
