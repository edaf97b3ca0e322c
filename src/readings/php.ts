/**
 * The few PHP behaviours the original API's answers depend on, reproduced so bodies match byte for
 * byte: json_encode (default flags escape "/" and non-ASCII), echo of floats (precision 14),
 * intval, numeric strings and $_GET parsing.
 */

/** A PHP associative array: insertion-ordered, overwriting a key keeps its position (like Map). */
export type PhpValue =
  | string
  | number
  | PhpFloat
  | boolean
  | null
  | undefined
  | PhpValue[]
  | Map<string, PhpValue>;

/**
 * A PHP float (`50.0 / "60"`, `"1.32" * 1`). Plain numbers are ints. json_encode and echo print an
 * integral float as they print the int, but large and tiny floats in exponent form (`1.0e+25`).
 */
export class PhpFloat {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }
}

export interface JsonFlags {
  /** JSON_UNESCAPED_SLASHES */
  unescapedSlashes?: boolean;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what json_encode escapes
const NEEDS_ESCAPE = /["\\/\u0000-\u001f\u007f-\uffff]/;

export function phpJsonString(value: string, flags: JsonFlags = {}): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (ch === '/') out += flags.unescapedSlashes ? '/' : '\\/';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code < 0x80) out += ch;
    else {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}"`;
}

/** json_encode(value, flags) for the shapes the API produces. A PHP float is a non-integer JS number. */
export function phpJsonEncode(value: PhpValue, flags: JsonFlags = {}): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return phpJsonString(value, flags);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (value instanceof PhpFloat) return phpJsonFloat(value.value);
  if (Array.isArray(value)) return `[${value.map((v) => phpJsonEncode(v, flags)).join(',')}]`;
  if (value.size === 0) return '[]';
  const parts: string[] = [];
  for (const [k, v] of value) parts.push(`${phpJsonString(k, flags)}:${phpJsonEncode(v, flags)}`);
  return `{${parts.join(',')}}`;
}

/**
 * A PHP float as json_encode writes it (serialize_precision -1, php_gcvt in mode 0): the shortest
 * round-trip digits, with no fraction on integral values (`1`, not `1.0`: that takes
 * JSON_PRESERVE_ZERO_FRACTION), and the exponent form (`1.0e+25`, `1.0e-5`) past 17 integer digits
 * or below 1e-4.
 */
export function phpJsonFloat(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const [mantissa, exponent] = value.toExponential().split('e');
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const digits = mantissa.replace(/[-.]/g, '');
  const point = Number(exponent) + 1;
  if (point > 17 || point < -3) {
    const e = point - 1;
    return `${sign}${digits[0]}.${digits.slice(1) || '0'}e${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  const fraction = digits.slice(point);
  return `${sign}${digits.slice(0, point).padEnd(point, '0')}${fraction === '' ? '' : `.${fraction}`}`;
}

/** `echo $float` with precision=14 (%.14G): 0.83333333333333, 1.1, 0, 1.0E+25. */
export function phpEchoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NAN';
  if (!Number.isFinite(value)) return value > 0 ? 'INF' : '-INF';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential(13).split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 14) {
    const digits = trimZeros(mantissa);
    return `${digits.includes('.') ? digits : `${digits}.0`}E${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  }
  return trimZeros(value.toFixed(Math.max(0, 13 - exponent)));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** `echo $value` for what json_decode returns. */
export function phpEcho(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value === true) return '1';
  if (value instanceof PhpFloat) return phpEchoFloat(value.value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : phpEchoFloat(value);
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? 'Array' : 'Array';
}

const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
const LEADING_NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;

/** is_numeric() in PHP 8 (trailing whitespace allowed). */
export function isPhpNumeric(text: string): boolean {
  return NUMERIC.test(text);
}

/** The number a string stands for in PHP arithmetic; NaN where PHP 8 throws a TypeError. */
export function phpToNumber(text: string): number {
  const match = LEADING_NUMERIC.exec(text);
  return match ? Number(match[0].trim()) : Number.NaN;
}

/**
 * A string as PHP 8 arithmetic reads it: an int (a plain number) for an integer literal, else a float;
 * a leading-numeric string ("1.5abc") gives its number; undefined where PHP 8 throws a TypeError.
 */
export function phpNumber(text: string): number | PhpFloat | undefined {
  const match = LEADING_NUMERIC.exec(text);
  if (!match) return undefined;
  const literal = match[0].trim();
  const n = Number(literal);
  return /^[+-]?\d+$/.test(literal) && Number.isSafeInteger(n) ? n : new PhpFloat(n);
}

/** `$a * $b` in PHP 8: null counts as 0; the product is an int only when both factors are ints. */
export function phpMultiply(a: number | PhpFloat | null, b: number | PhpFloat | null): number | PhpFloat {
  const x = a instanceof PhpFloat ? a.value : (a ?? 0);
  const y = b instanceof PhpFloat ? b.value : (b ?? 0);
  const product = x * y;
  return a instanceof PhpFloat || b instanceof PhpFloat || !Number.isSafeInteger(product)
    ? new PhpFloat(product)
    : product;
}

/** intval($string): the leading number truncated toward zero, 0 when there is none. */
export function phpIntval(text: string): number {
  const n = phpToNumber(text);
  if (Number.isNaN(n)) return 0;
  if (!Number.isFinite(n)) return n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  return Math.trunc(n);
}

/** strcmp-like comparison of two strings by bytes (PHP compares non-numeric strings so). */
export function phpStrcmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Parses a raw query string as PHP fills $_GET: `+` is a space, the last duplicate wins, a bare
 * key has the empty string, and malformed percent escapes are kept as they are.
 */
export function parsePhpQuery(search: string): Map<string, string> {
  const query = new Map<string, string>();
  const text = search.startsWith('?') ? search.slice(1) : search;
  if (text === '') return query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const raw = decode(eq === -1 ? pair : pair.slice(0, eq));
    const key = raw.includes(' ') || raw.includes('.') ? raw.replace(/[ .]/g, '_') : raw;
    if (key === '') continue;
    query.set(key, eq === -1 ? '' : decode(pair.slice(eq + 1)));
  }
  return query;
}

function decode(text: string): string {
  // Most queries (value=PV-voltage) have nothing to decode.
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}
