import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { checkSiteDirs, resolveSiteDirs } from '../http/site/config.js';
import { applyEnv } from './env.js';
import { type NodeProfile, readProfile } from './profile.js';
import { type Config, configSchema } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'pimesh.config.json';

export interface LoadOptions {
  /** `--config`; when given the file must exist. Defaults to ./pimesh.config.json if present. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  profile: NodeProfile;
  /** Where the config came from, for the start-up log. */
  sources: string[];
}

/**
 * Reads the config file, applies PIMESH_* variables, validates everything with one schema and
 * reads the node profile. Every problem found is reported at once in one ConfigError.
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const sources: string[] = [];

  const explicit = options.configPath ?? env.PIMESH_CONFIG;
  const file = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let raw: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push(`${file}: must hold a JSON object`);
      } else {
        raw = parsed as Record<string, unknown>;
        sources.push(file);
      }
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  } else if (explicit !== undefined) {
    problems.push(`${file}: config file not found`);
  }

  const fromEnv = applyEnv(raw, env);
  if (fromEnv.size > 0) sources.push(`environment (${[...fromEnv.values()].join(', ')})`);

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join('.') || '(root)';
      const variable = fromEnv.get(path);
      problems.push(`${path}${variable ? ` (${variable})` : ''}: ${issue.message}`);
    }
  }

  const config = result.success ? resolvePaths(result.data, cwd) : undefined;
  const profilePath = config?.localJson ?? resolve(cwd, 'local.json');
  const profile = readProfile(profilePath, { required: config?.localJson !== undefined, problems });
  checkSiteDirs(raw.site, cwd, problems, fromEnv);

  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return { config: Object.freeze(config), profile, sources };
}

function resolvePaths(config: Config, cwd: string): Config {
  return {
    ...config,
    dataDir: resolve(cwd, config.dataDir),
    peersDir: resolve(cwd, config.peersDir),
    localJson: config.localJson === undefined ? undefined : resolve(cwd, config.localJson),
    site: resolveSiteDirs(config.site, cwd),
  };
}
