/**
 * The on-disk form of the network's data, as the original's getRemoteData.py keeps it: one file per
 * peer, `<dir>/<name without spaces, lowercased>.json`, holding the header row followed by every row
 * of the peer's `opendata.php?day=4` answer, newest first, written with Python's `json.dumps`
 * defaults (`", "` and `": "` separators, non-ASCII as `\uXXXX`). The original's opendata.php
 * `server=` reads these files; so does pimesh.
 */

/** A row as PHP's fgetcsv gives it (a blank line is `[null]`). */
export type Row = (string | null)[];

/** A peer's `day=N` answer: files, newest first, each an array of rows starting with its header. */
export type DayFiles = Row[][];

/** The peer file name for a device-list name, or undefined when it could name another path. */
export function peerFileName(name: string): string | undefined {
  // PHP's strtolower (and so the reader) lowers ASCII only: do the same so both find one file.
  const file = name.replaceAll(' ', '').replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (file === '' || file.length > 200 || file.startsWith('.') || /[/\\\0]/.test(file)) return undefined;
  return file;
}

/** Parses a `day=N` answer; undefined when it is not a non-empty list of files of string rows. */
export function parseDayFiles(body: string): DayFiles | undefined {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  const isRow = (r: unknown) =>
    Array.isArray(r) && r.length > 0 && r.every((c) => typeof c === 'string' || c === null);
  if (!Array.isArray(data) || data.length === 0) return undefined;
  for (const file of data)
    if (!Array.isArray(file) || file.length === 0 || !file.every(isRow)) return undefined;
  return data as DayFiles;
}

/** What handleData() builds: the last file's header, then each file's rows reversed, in file order. */
export function combine(files: DayFiles): Row[] {
  const rows: Row[] = [];
  let header: Row = [];
  for (const file of files) {
    header = file[0];
    for (let i = file.length - 1; i >= 1; i--) rows.push(file[i]);
  }
  return [header, ...rows];
}

/** Python's `json.dumps` of a string (ensure_ascii: everything outside space..~ escaped). */
function pyString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function pyRow(row: Row): string {
  return `[${row.map((c) => (c === null ? 'null' : pyString(c))).join(', ')}]`;
}

/**
 * The file's text, as `json.dumps(combinedFile)`. Rows are dropped from the old end until the text
 * fits in `maxBytes` (the header always stays), so one peer's file is bounded.
 */
export function encodePeerFile(rows: Row[], maxBytes: number): { text: string; kept: number } {
  const parts = rows.map(pyRow);
  let size = 2 + parts.reduce((n, p) => n + Buffer.byteLength(p), 0) + 2 * Math.max(0, parts.length - 1);
  let kept = parts.length;
  while (kept > 1 && size > maxBytes) {
    kept--;
    size -= Buffer.byteLength(parts[kept]) + 2;
  }
  return { text: `[${parts.slice(0, kept).join(', ')}]`, kept };
}

/** The newest row's PV power (W, `PV power L`) and battery (%, from the 0-1 fraction), if present. */
export function newestReadings(rows: Row[]): {
  datetime?: string;
  pvPower?: number;
  batteryPercent?: number;
} {
  const [header, newest] = rows;
  if (header === undefined || newest === undefined) return {};
  const cell = (column: string) => {
    const at = header.indexOf(column);
    const value = at === -1 ? null : newest[at];
    const n = value === null || value === undefined || value.trim() === '' ? Number.NaN : Number(value);
    return Number.isFinite(n) ? n : undefined;
  };
  const battery = cell('battery percentage');
  const datetime = newest[header.indexOf('datetime')] ?? undefined;
  return {
    ...(datetime ? { datetime } : {}),
    ...(cell('PV power L') === undefined ? {} : { pvPower: cell('PV power L') }),
    ...(battery === undefined ? {} : { batteryPercent: Math.round(battery * 10000) / 100 }),
  };
}
