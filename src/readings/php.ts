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

/** A PHP float whose value may be integral (json_encode writes 1.0, echo writes 1). Plain numbers are ints. */
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

/** A PHP float as json_encode writes it (serialize_precision -1): shortest repr, `1.0` for integral values. */
export function phpJsonFloat(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e15 ? `${value}.0` : String(value);
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
    const key = decode(eq === -1 ? pair : pair.slice(0, eq)).replace(/[ .]/g, '_');
    if (key === '') continue;
    query.set(key, eq === -1 ? '' : decode(pair.slice(eq + 1)));
  }
  return query;
}

function decode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}
