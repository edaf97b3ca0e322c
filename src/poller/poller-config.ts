import { readFile } from 'node:fs/promises';
import { parse } from 'ini';
import { ConfigError } from '../errors.js';

/**
 * The keys of `[Frequencies]` in poller_config.ini: pi_backend's three and pimesh's own, each with the
 * source it polls and its unit. 0 (or, in an existing file, absent) turns a source off.
 */
export const FREQUENCY_KEYS = {
  weather_minutes: { source: 'weather', unitSeconds: 60 },
  climate_days: { source: 'climate', unitSeconds: 86_400 },
  gps_seconds: { source: 'gps', unitSeconds: 1 },
  system_seconds: { source: 'system', unitSeconds: 1 },
  sensehat_seconds: { source: 'sensehat', unitSeconds: 1 },
  lte_minutes: { source: 'lte', unitSeconds: 60 },
} as const;

export type FrequencyKey = keyof typeof FREQUENCY_KEYS;
export type PollSourceName = (typeof FREQUENCY_KEYS)[FrequencyKey]['source'];
export type Frequencies = Record<FrequencyKey, number>;

export const POLL_SOURCES: readonly PollSourceName[] = Object.values(FREQUENCY_KEYS).map((k) => k.source);

/** Without a poller_config.ini: pi_backend's README example; pimesh's own sources off. */
export const DEFAULT_FREQUENCIES: Frequencies = {
  weather_minutes: 10,
  climate_days: 7,
  gps_seconds: 10,
  system_seconds: 0,
  sensehat_seconds: 0,
  lte_minutes: 0,
};

/** No interval longer than a year. */
const MAX_SECONDS = 366 * 86_400;

const UNIT_NAMES: Record<number, string> = { 1: 'seconds', 60: 'minutes', 86400: 'days' };

/**
 * Reads poller_config.ini with `ini` (the project's one INI reader, as for the keys file), keeping only
 * `[Frequencies]`; keys are case-insensitive as configparser reads them. Values must be whole numbers.
 * Every problem is reported at once (ConfigError), each naming the key.
 */
export function parsePollerConfig(text: string, file = 'poller_config.ini'): Frequencies {
  const problems: string[] = [];
  const frequencies = Object.fromEntries(Object.keys(FREQUENCY_KEYS).map((k) => [k, 0])) as Frequencies;
  const tree = parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value !== 'object' || value === null)
      problems.push(`${file}: "${key}" comes before any [section]`);
  }
  const section = tree.Frequencies;
  if (typeof section !== 'object' || section === null) {
    problems.unshift(`${file}: no [Frequencies] section`);
    throw new ConfigError(problems);
  }
  for (const [rawKey, value] of Object.entries(section as Record<string, unknown>)) {
    const key = rawKey.toLowerCase();
    const problem =
      typeof value === 'string'
        ? frequencyProblem(key, value)
        : `"${rawKey}" is not "key = value"${rawKey.includes(':') ? ' (write = instead of :)' : ''}`;
    if (problem) problems.push(`${file}: ${problem}`);
    else frequencies[key as FrequencyKey] = Number(value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return frequencies;
}

/** What is wrong with one `[Frequencies]` entry, if anything. */
function frequencyProblem(key: string, value: string): string | undefined {
  if (!Object.hasOwn(FREQUENCY_KEYS, key)) {
    return `unknown key ${key} (known: ${Object.keys(FREQUENCY_KEYS).join(', ')})`;
  }
  const spec = FREQUENCY_KEYS[key as FrequencyKey];
  const unit = UNIT_NAMES[spec.unitSeconds];
  if (!/^\d+$/.test(value)) return `${key} must be a whole number of ${unit} (0 = off), not "${value}"`;
  const max = Math.floor(MAX_SECONDS / spec.unitSeconds);
  if (Number(value) > max) return `${key} must be at most ${max} ${unit}`;
  return undefined;
}

/** The file's frequencies, or the defaults when it does not exist (`found: false`). */
export async function readPollerConfig(path: string): Promise<{ frequencies: Frequencies; found: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { frequencies: { ...DEFAULT_FREQUENCIES }, found: false };
    throw error;
  }
  return { frequencies: parsePollerConfig(text, path), found: true };
}

/** Seconds between polls for each source that is on. */
export function pollIntervals(frequencies: Frequencies): Map<PollSourceName, number> {
  const intervals = new Map<PollSourceName, number>();
  for (const [key, spec] of Object.entries(FREQUENCY_KEYS)) {
    const n = frequencies[key as FrequencyKey];
    if (n > 0) intervals.set(spec.source, n * spec.unitSeconds);
  }
  return intervals;
}
