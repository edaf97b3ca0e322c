import { InputError } from '../errors.js';
import { Memo } from './memo.js';
import { type PhpValue, phpIntval, phpJsonEncode } from './php.js';
import { ANSWERED_KEYS } from './server-answers.js';
import {
  ACCEPTED_VALUES,
  columnIndex,
  echoInfo,
  type Flavor,
  latestValue,
  lineIndex,
  namedDay,
  peerField,
  type QueryContext,
  recentDays,
  refuseDeviceList,
  rowObject,
  scaledWattage,
  systemDump,
  systemInfo,
  today,
  VALUE_NOT_FOUND,
} from './solar-query.js';
import type { TracerDay } from './tracer-store.js';

const json = phpJsonEncode;
const unescaped = { unescapedSlashes: true };
const ordered = (entries: [string, PhpValue][]) => new Map<string, PhpValue>(entries);

/**
 * Answers the original public PV API (`chargecontroller.php` and `/api/v1/opendata.php`, `v2`
 * with `version: 2`) from the tracer files, byte for byte as the PHP does: the first of value,
 * line, day, systemInfo, networkInfo present wins; anything else is an empty body.
 */
export class SolarAnswers {
  readonly #ctx: QueryContext;
  readonly #memo = new Memo();

  constructor(ctx: QueryContext) {
    this.#ctx = ctx;
  }

  answer(flavor: Flavor, version: 1 | 2, q: ReadonlyMap<string, string>): string | Buffer {
    // v1 answers server= before anything else; v2 only when none of the keys it answers is there.
    if (flavor === 'opendata' && q.has('server') && (version === 1 || !ANSWERED_KEYS.some((k) => q.has(k)))) {
      if (this.#ctx.server === undefined)
        throw new InputError('server= (the network data) is not served by this node', 501);
      return this.#ctx.server.answer(version, q);
    }
    const value = q.get('value');
    if (value !== undefined) return this.#value(version, value, q.get('duration'));
    const line = q.get('line');
    if (line !== undefined) return this.#line(version, line);
    const day = q.get('day');
    if (day !== undefined) return this.#day(flavor, version, day);
    const info = q.get('systemInfo');
    if (info !== undefined) return this.#systemInfo(flavor, version, info);
    const network = q.get('networkInfo');
    if (network !== undefined) return this.#networkInfo(flavor, version, network);
    return '';
  }

  /** The answers' clock (the node's, or a test's). */
  now(): Date {
    return this.#ctx.now();
  }

  /** The newest row's value as `chargecontroller.php?value=` echoes it ('' when there is none). */
  latest(value: string): string {
    return latestValue(this.#ctx, value);
  }

  /** `GET /api/v1/api.php?value=`: no whitelist, the newest row's column. */
  legacyValue(value: string): string {
    return latestValue(this.#ctx, value === 'scaled-wattage' ? 'scaled wattage' : value);
  }

  #value(version: 1 | 2, value: string, duration: string | undefined): string | Buffer {
    if (!ACCEPTED_VALUES.includes(value)) return VALUE_NOT_FOUND;
    const n = duration === undefined ? 0 : phpIntval(duration);
    if (n === 0) {
      if (version === 1) return latestValue(this.#ctx, value);
      // v2 encodes `$outputVal` as it is: the raw cell (a string), or for scaled-wattage the PHP number.
      const latest = value === 'scaled-wattage' ? scaledWattage(this.#ctx) : latestValue(this.#ctx, value);
      // A non-numeric cell: PHP 8 throws a TypeError before echoing, so the body is empty.
      return latest === undefined ? '' : json(ordered([[value, latest]]));
    }
    // The original compares 'PV-power-L' after replacing dashes, so duration answers are never scaled.
    const column = value === 'scaled-wattage' ? 'PV power L' : value.replaceAll('-', ' ');
    const days = recentDays(this.#ctx, n);
    return this.#memo.get(`value|${version}|${value}|${versionTag(days)}`, () => {
      const series = new Map<string, PhpValue>();
      for (const day of days) {
        const at = columnIndex(day, column);
        if (version === 1) for (const row of day.rows) series.set(row[0] ?? '', row[at] ?? null);
        else
          for (let i = day.rows.length - 1; i >= 1; i--)
            series.set(day.rows[i][0] ?? '', day.rows[i][at] ?? null);
      }
      if (version === 1) return json(series);
      return json(
        ordered([
          ['header', ordered([['datetime', value]])],
          ['data', series],
          ['timezone', this.#ctx.timezone],
        ]),
        unescaped,
      );
    });
  }

  #line(version: 1 | 2, line: string): string {
    const day = today(this.#ctx);
    if (day === undefined || day.rows.length === 0) return '';
    const count = day.rows.length;
    if (line === 'len') return version === 1 ? String(count - 1) : json(ordered([[line, count - 1]]));
    if (line === 'head')
      return version === 1 ? json([...day.rows[0]]) : json(ordered([[line, [...day.rows[0]]]]));
    const index = lineIndex(line, count);
    if (version === 1) return index === undefined ? '' : json(rowObject(day, index));
    if (index === undefined) return 'null';
    const row = rowObject(day, index, (k) => k.replaceAll(' ', '-'));
    return json(
      ordered([
        [line, row],
        ['timezone', this.#ctx.timezone],
      ]),
      unescaped,
    );
  }

  #day(flavor: Flavor, version: 1 | 2, day: string): string | Buffer {
    if (day === 'list') {
      const files = this.#ctx.store.listFiles();
      return version === 1 ? json(files) : json(ordered([[day, files]]));
    }
    if (day === 'len') {
      const count = this.#ctx.store.listFiles().length;
      return version === 1 ? String(count) : json(ordered([[day, count]]));
    }
    const n = phpIntval(day);
    if (n >= 1 && n <= 7) {
      const days = recentDays(this.#ctx, n);
      return this.#memo.get(`day|${version}|${versionTag(days)}`, () => {
        if (version === 1) return json(days.map((d) => d.rows as PhpValue[]));
        // One flat list: newest file first, each file's rows newest first, headers left out; the
        // header is that of the last file read (the oldest one with rows).
        let header: PhpValue = [];
        const data: PhpValue[] = [];
        for (const d of days) {
          if (d.rows.length > 0) header = [...d.rows[0]];
          for (let i = d.rows.length - 1; i >= 1; i--) data.push(d.rows[i] as string[]);
        }
        return json(
          ordered([
            ['header', header],
            ['data', data],
            ['timezone', this.#ctx.timezone],
          ]),
          unescaped,
        );
      });
    }
    if (day.includes('tracerData')) {
      const found = namedDay(this.#ctx, day);
      if (found === undefined) return 'false';
      return this.#memo.get(`named|${versionTag([found])}`, () => json(found.rows as PhpValue[]));
    }
    if (day === 'deviceList') {
      const text = this.#ctx.deviceListText;
      if (text === undefined) refuseDeviceList();
      // chargecontroller.php echoes the raw file; opendata.php dropped the query (an empty body).
      return flavor === 'chargecontroller' ? text() : '';
    }
    return '';
  }

  #systemInfo(flavor: Flavor, version: 1 | 2, key: string): string {
    if (key === 'dump') {
      const dump = systemDump(this.#ctx);
      if (version === 2) return json(ordered([[key, dump]]), unescaped);
      return json(dump, flavor === 'opendata' ? unescaped : {});
    }
    const value = systemInfo(this.#ctx, key);
    if (value === undefined) return '';
    if (version === 1) return echoInfo(value);
    return json(ordered([[key, value]]), key === 'tz' ? unescaped : {});
  }

  #networkInfo(flavor: Flavor, version: 1 | 2, key: string): string {
    const fields = { deviceList: 'name', tz: 'tz', poe: 'log', timestamp: 'time stamp' } as const;
    if (flavor === 'chargecontroller' && key !== 'deviceList') return '';
    let out: PhpValue;
    if (key === 'dump') {
      out = ordered([
        ['name', peerField(this.#ctx, 'name')],
        ['poe', peerField(this.#ctx, 'log')],
        ['tz', peerField(this.#ctx, 'tz')],
        ['timestamp', peerField(this.#ctx, 'time stamp')],
      ]);
    } else if (key in fields) {
      out = peerField(this.#ctx, fields[key as keyof typeof fields]);
    } else return '';
    const flags = key === 'dump' ? unescaped : {};
    return version === 1 ? json(out, flags) : json(ordered([[key, out]]), flags);
  }
}

function versionTag(days: readonly TracerDay[]): string {
  return days.map((d) => `${d.name}:${d.version}`).join('|');
}
