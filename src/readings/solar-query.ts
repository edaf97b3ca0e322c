import { InputError } from '../errors.js';
import {
  isPhpNumeric,
  PhpFloat,
  type PhpValue,
  phpEcho,
  phpIntval,
  phpJsonEncode,
  phpMultiply,
  phpNumber,
  phpStrcmp,
  phpToNumber,
} from './php.js';
import type { TracerDay, TracerStore } from './tracer-store.js';

/** The endpoint a query came in on; they differ in small, documented ways. */
export type Flavor = 'chargecontroller' | 'opendata';

/** Peer entries as deviceList.json holds them (only the fields the public API reads). */
export interface PublicPeer {
  name?: unknown;
  tz?: unknown;
  log?: unknown;
  'time stamp'?: unknown;
}

export interface QueryContext {
  store: TracerStore;
  /** The parsed local.json (values echoed verbatim). */
  profile: Readonly<Record<string, unknown>>;
  /** The node's IANA zone (`date_default_timezone_get()`). */
  timezone: string;
  /** The peer list, or undefined when there is none. */
  peers: () => readonly PublicPeer[] | undefined;
  /**
   * deviceList.json as the original's `day=deviceList` echoes it; present only when the steward made
   * the list public (`network.publicDeviceList`), otherwise that query is a 403.
   */
  deviceListText?: () => string;
  /** `opendata.php?server=` from the network's data (../readings/server-answers.ts); absent: a 501. */
  server?: { answer(version: 1 | 2, q: ReadonlyMap<string, string>): string | Buffer };
  now: () => Date;
}

export const ACCEPTED_VALUES = [
  'PV-current',
  'PV-power-H',
  'PV-power-L',
  'PV-voltage',
  'battery-percentage',
  'battery-voltage',
  'charge-current',
  'charge-power-H',
  'charge-power-L',
  'load-current',
  'load-power',
  'load-voltage',
  'datetime',
  'scaled-wattage',
];

export const VALUE_NOT_FOUND =
  'Value not found. Acceptable values: PV-current, PV-current, PV-power-H,PV-power-L, PV-voltage, battery-percentage, battery-voltage, charge-current, charge-power-H, charge-power-L, load-current, load-power, load-voltage, datetime, scaled-wattage';

const MAX_DAYS = 7;

/** `wattageScaler()`: 50 / pvWatts; 1 without pvWatts; null (so results are 0) when pvWatts is "". */
export function wattageScaler(profile: Readonly<Record<string, unknown>>): PhpFloat | 1 | null {
  if (!('pvWatts' in profile)) return 1;
  const watts = profile.pvWatts;
  if (watts === '' || watts === null || watts === false) return null;
  return new PhpFloat(50.0 / Number(watts));
}

/** Today's file: the node-local date. */
export function today(ctx: QueryContext): TracerDay | undefined {
  return ctx.store.read(ctx.store.fileFor(ctx.now()));
}

/** The last row's cell of `column` in today's file, or undefined when there is none to echo. */
export function latestCell(ctx: QueryContext, column: string): string | undefined {
  const day = today(ctx);
  if (day === undefined || day.rows.length === 0) return undefined;
  const index = day.rows[0].indexOf(column);
  if (index === -1) return undefined;
  return day.rows[day.rows.length - 1][index] ?? '';
}

/**
 * `?value=scaled-wattage` without duration: the newest `PV power L` cell times wattageScaler(), a PHP
 * number (`"1.32" * 0.8333333333333334` is the float 1.1, `"0" * 1` the int 0); '' when there is no
 * cell (the original's initial `$outputVal`); undefined for a non-numeric cell, where PHP 8 throws a
 * TypeError before anything is echoed.
 */
export function scaledWattage(ctx: QueryContext): PhpValue | undefined {
  const cell = latestCell(ctx, 'PV power L');
  if (cell === undefined) return '';
  const n = phpNumber(cell);
  return n === undefined ? undefined : phpMultiply(n, wattageScaler(ctx.profile));
}

/** `?value=` without duration as v1 echoes it: the raw CSV text of the newest row, scaled-wattage echoed. */
export function latestValue(ctx: QueryContext, value: string): string {
  if (value === 'scaled-wattage') return phpEcho(scaledWattage(ctx));
  return latestCell(ctx, value.replaceAll('-', ' ')) ?? '';
}

/** The newest `min(n, 7)` files, most recent first, parsed. */
export function recentDays(ctx: QueryContext, n: number): TracerDay[] {
  const names = ctx.store.listFiles();
  const days: TracerDay[] = [];
  for (let i = 0; i < n && i < names.length && i < MAX_DAYS; i++) {
    days.push(
      ctx.store.read(names[names.length - 1 - i]) ?? {
        name: names[names.length - 1 - i],
        rows: [],
        version: 0,
      },
    );
  }
  return days;
}

/** The position of `column` in a file's header, or the header's length (PHP's loop runs off the end). */
export function columnIndex(day: TracerDay, column: string): number {
  const header = day.rows[0] ?? [];
  const index = header.indexOf(column);
  return index === -1 ? header.length : index;
}

/**
 * `?line=`: PHP 8 compares a numeric string as a number and anything else as a string against
 * "0" and the row count; the row index then takes the string's leading number.
 */
export function lineIndex(line: string, count: number): number | undefined {
  if (isPhpNumeric(line)) {
    const n = Number(line.trim());
    return n >= 0 && n < count ? count - 1 - Math.trunc(n) : undefined;
  }
  if (phpStrcmp(line, '0') < 0 || phpStrcmp(line, String(count)) >= 0) return undefined;
  const n = phpToNumber(line);
  return Number.isNaN(n) ? undefined : count - 1 - Math.trunc(n);
}

/** The row at `index` keyed by header names (keys renamed by `rename`), values strings or null. */
export function rowObject(day: TracerDay, index: number, rename = (k: string) => k): Map<string, PhpValue> {
  const out = new Map<string, PhpValue>();
  const header = day.rows[0];
  const row = day.rows[index];
  for (let p = 0; p < header.length; p++) out.set(rename(header[p]), row[p] ?? null);
  return out;
}

/** Resolves `?day=<name>` to a file of the directory, refusing anything that is not a plain name. */
export function namedDay(ctx: QueryContext, day: string): TracerDay | undefined {
  if (/[/\\\0]/.test(day) || day.includes('..')) {
    throw new InputError('day must name a tracerData file of this node (no paths)');
  }
  const name = `${day}.csv`;
  return ctx.store.listFiles().includes(name) ? ctx.store.read(name) : undefined;
}

export function refuseDeviceList(): never {
  throw new InputError('the device list is not public: peers exchange it through authenticated POSTs', 403);
}

/**
 * `systemInfo=<key>` values read from local.json (null for a key local.json lacks, as PHP's undefined
 * index gives), or undefined for keys the original does not answer.
 */
export function systemInfo(ctx: QueryContext, key: string): PhpValue | undefined {
  const p = ctx.profile;
  const fields: Record<string, string> = {
    color: 'bgColor',
    description: 'description',
    name: 'name',
    location: 'location',
    city: 'city',
    country: 'country',
    pvWatts: 'pvWatts',
    pvVoltage: 'pvVolts',
  };
  if (key === 'tz') return ctx.timezone;
  if (key === 'wattage-scaler') return wattageScaler(p);
  if (key in fields) return (p[fields[key]] ?? null) as PhpValue;
  return undefined;
}

/** `systemInfo=dump` as an ordered PHP array. */
export function systemDump(ctx: QueryContext): Map<string, PhpValue> {
  const p = ctx.profile;
  const get = (k: string) => (p[k] ?? null) as PhpValue;
  return new Map<string, PhpValue>([
    ['timezone', ctx.timezone],
    ['color', get('bgColor')],
    ['name', get('name')],
    ['description', get('description')],
    ['location', get('location')],
    ['city', get('city')],
    ['country', get('country')],
    ['wattage-scaler', wattageScaler(p)],
    ['pvWatts', get('pvWatts')],
    ['pvVolts', get('pvVolts')],
  ]);
}

/** One field of every peer, in list order (`networkInfo=`). */
export function peerField(ctx: QueryContext, field: keyof PublicPeer): PhpValue[] {
  return (ctx.peers() ?? []).map((peer) => (peer[field] ?? null) as PhpValue);
}

/** A value from local.json or the scaler as `echo` prints it. */
export function echoInfo(value: PhpValue | undefined): string {
  return phpEcho(value);
}

export { phpIntval, phpJsonEncode };
