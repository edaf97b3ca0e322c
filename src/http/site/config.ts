/**
 * The `site` section of the config: the node's website, as Apache served `frontend/` (and
 * `/home/pi/local/www` at `/local/`) on an original Solar Protocol node. A leaf file (zod and
 * node:fs only), so the config validates without loading the static file server.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

export const siteConfigSchema = z
  .strictObject({
    /** The website served at `/` (PIMESH_SITE_DIR); off when unset. */
    dir: z.string().min(1, 'must name a directory').optional(),
    /** The steward's own pages, served at `/local/` (PIMESH_SITE_LOCAL_DIR); off when unset. */
    localDir: z.string().min(1, 'must name a directory').optional(),
    /**
     * Below this battery percentage `/` answers the low-power page (the original's create_html.py
     * picked index-small.html under 0.50). 0 turns the switch off.
     */
    lowPowerBelowPercent: z
      .number({ error: 'must be a percentage 0-100' })
      .min(0, 'must be a percentage 0-100')
      .max(100, 'must be a percentage 0-100')
      .default(50),
    /** The low-power page, a file in the site's root. */
    lowPowerIndex: z
      .string()
      .regex(/^[^/\\.][^/\\]*$/, 'must be a file name in the site directory, like index-small.html')
      .default('index-small.html'),
    /** How long browsers may keep a page's assets without asking again; HTML is always revalidated. */
    maxAgeSeconds: z.number().int().min(0).max(31_536_000).default(600),
  })
  .prefault({});

export type SiteConfig = z.output<typeof siteConfigSchema>;

/** The section with its directories resolved against the working directory. */
export function resolveSiteDirs(site: SiteConfig, cwd: string): SiteConfig {
  return {
    ...site,
    dir: site.dir === undefined ? undefined : resolve(cwd, site.dir),
    localDir: site.localDir === undefined ? undefined : resolve(cwd, site.localDir),
  };
}

/**
 * A configured directory that is missing or unreadable is a config error, reported with the others
 * at start: the steward asked for a website, and a node that silently answered its dashboard (or
 * 404s) in its place would hide a typo until a visitor noticed. Reads the raw section (file plus
 * environment), so the check runs even when another setting is invalid.
 */
export function checkSiteDirs(
  raw: unknown,
  cwd: string,
  problems: string[],
  fromEnv: ReadonlyMap<string, string> = new Map(),
): void {
  if (typeof raw !== 'object' || raw === null) return;
  for (const key of ['dir', 'localDir'] as const) {
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value === '') continue;
    const dir = resolve(cwd, value);
    const problem = directoryProblem(dir);
    if (problem === undefined) continue;
    const variable = fromEnv.get(`site.${key}`);
    problems.push(`site.${key}${variable ? ` (${variable})` : ''}: ${dir}: ${problem}`);
  }
}

function directoryProblem(dir: string): string | undefined {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st === undefined) return 'no such directory';
  if (!st.isDirectory()) return 'not a directory';
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    return 'not readable by this user';
  }
  return undefined;
}
