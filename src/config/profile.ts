import { existsSync, readFileSync } from 'node:fs';

/**
 * The node profile in the original /home/pi/local/local.json format. Values are kept as the file
 * holds them (usually strings) because the public API echoes them back verbatim.
 */
export interface NodeProfile {
  /** The parsed object, or {} when there is no file. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly path?: string;
  readonly name: string;
  /** Degrees; parsed leniently from "40.65", "40.65 N", "73.94 W". Undefined when absent or unparsable. */
  readonly latitude?: number;
  readonly longitude?: number;
  /** The module's rated watts as a number (for the simulator and the local election metric). */
  readonly pvWatts?: number;
}

const DEFAULT_NAME = 'pi';

export function readProfile(path: string, options: { required: boolean; problems: string[] }): NodeProfile {
  if (!existsSync(path)) {
    if (options.required) options.problems.push(`localJson: ${path} not found`);
    return profileFrom({});
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    options.problems.push(`localJson: ${path} is not valid JSON (${(error as Error).message})`);
    return profileFrom({});
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    options.problems.push(`localJson: ${path} must hold a JSON object`);
    return profileFrom({});
  }
  const raw = parsed as Record<string, unknown>;
  const pv = raw.pvWatts;
  if (pv !== undefined && pv !== '' && !(Number(pv) > 0)) {
    options.problems.push(
      `localJson.pvWatts: must be a positive number of watts or "", got ${JSON.stringify(pv)}`,
    );
  }
  return profileFrom(raw, path);
}

export function profileFrom(raw: Record<string, unknown>, path?: string): NodeProfile {
  const pv = Number(raw.pvWatts);
  return {
    raw: Object.freeze({ ...raw }),
    path,
    name: typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name : DEFAULT_NAME,
    latitude: parseDegrees(raw.lat, 'N', 'S'),
    longitude: parseDegrees(raw.long, 'E', 'W'),
    pvWatts: raw.pvWatts !== '' && pv > 0 ? pv : undefined,
  };
}

function parseDegrees(value: unknown, positive: string, negative: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*°?\s*([NSEWnsew])?\s*$/.exec(value);
  if (!match) return undefined;
  const degrees = Number(match[1]);
  const hemisphere = match[2]?.toUpperCase();
  if (hemisphere === negative) return -Math.abs(degrees);
  if (hemisphere === positive || hemisphere === undefined) return degrees;
  return undefined;
}
