/**
 * Hayes AT commands as the LTE modems (SIM7600, A7670E) speak them: a pure codec, no I/O.
 * Framing, response lines, final result codes, and decoders for the three status queries
 * (3GPP TS 27.007 `+CSQ`, `+CREG`, `+COPS`).
 */

/** A command as written to the wire: `CMD\r\n` (what pi_backend sends; modems end a command at `\r`). */
export function frameCommand(command: string): Buffer {
  if (!/^AT[\x20-\x7e]*$/i.test(command)) {
    throw new TypeError(`not a single-line AT command: ${JSON.stringify(command)}`);
  }
  return Buffer.from(`${command}\r\n`, 'latin1');
}

/** Splits received text into complete, trimmed, non-empty lines; `rest` is an unfinished last line. */
export function splitLines(text: string): { lines: string[]; rest: string } {
  const parts = text.split(/\r\n|\r|\n/);
  const rest = parts.pop() ?? '';
  return { lines: parts.map((line) => line.trim()).filter((line) => line.length > 0), rest };
}

export type FinalResult = { kind: 'ok' } | { kind: 'error'; line: string };

/** The final result code a line carries (`OK`, `ERROR`, `+CME ERROR: n`, ...), or undefined. */
export function finalResult(line: string): FinalResult | undefined {
  if (line === 'OK') return { kind: 'ok' };
  if (
    line === 'ERROR' ||
    /^\+CM[ES] ERROR:/.test(line) ||
    line === 'NO CARRIER' ||
    line === 'BUSY' ||
    line === 'NO ANSWER' ||
    line === 'NO DIALTONE' ||
    line === 'COMMAND NOT SUPPORT'
  ) {
    return { kind: 'error', line };
  }
  return undefined;
}

/**
 * pi_backend's reading rule: the first line containing `prefix` is the answer; a line containing
 * `ERROR` before it means there is none (null), as does a reply without either.
 */
export function pickAnswer(lines: readonly string[], prefix: string): string | null {
  for (const line of lines) {
    if (line.includes(prefix)) return line;
    if (line.includes('ERROR')) return null;
  }
  return null;
}

interface Field {
  text: string;
  quoted: boolean;
}

/** The comma-separated fields after `+XXX:`, honouring double quotes. */
export function parseFields(line: string, prefix: string): Field[] | undefined {
  const at = line.indexOf(prefix);
  if (at === -1) return undefined;
  const body = line.slice(at + prefix.length).trim();
  const fields: Field[] = [];
  let i = 0;
  while (i <= body.length) {
    while (body[i] === ' ') i++;
    if (body[i] === '"') {
      const end = body.indexOf('"', i + 1);
      const stop = end === -1 ? body.length : end;
      fields.push({ text: body.slice(i + 1, stop), quoted: true });
      const comma = body.indexOf(',', stop);
      i = comma === -1 ? body.length + 1 : comma + 1;
    } else {
      const comma = body.indexOf(',', i);
      const stop = comma === -1 ? body.length : comma;
      fields.push({ text: body.slice(i, stop).trim(), quoted: false });
      i = stop + 1;
    }
  }
  return fields;
}

const integer = (field: Field | undefined): number | undefined =>
  field && !field.quoted && /^\d+$/.test(field.text) ? Number(field.text) : undefined;

export interface SignalQuality {
  /** dBm; rssi 31 means -51 dBm or better; null when the modem does not know (99). */
  rssi_dbm: number | null;
  /** The RXQUAL class 0-7 (bit error rate); null when unknown (99). */
  ber: number | null;
}

/** `+CSQ: <rssi>,<ber>`: rssi 0 → -113 dBm, n → -113 + 2n up to 31 → -51 dBm, 99 unknown. */
export function decodeCsq(line: string): SignalQuality | undefined {
  const fields = parseFields(line, '+CSQ:');
  const rssi = integer(fields?.[0]);
  const ber = integer(fields?.[1]);
  if (rssi === undefined) return undefined;
  return {
    rssi_dbm: rssi <= 31 ? -113 + 2 * rssi : null,
    ber: ber !== undefined && ber <= 7 ? ber : null,
  };
}

/** `<stat>` of +CREG/+CEREG (27.007 §7.2), as text. */
export const REGISTRATION_STATES: Readonly<Record<number, string>> = {
  0: 'not registered',
  1: 'registered (home)',
  2: 'searching',
  3: 'registration denied',
  4: 'unknown',
  5: 'registered (roaming)',
  6: 'registered for SMS only (home)',
  7: 'registered for SMS only (roaming)',
  8: 'emergency services only',
  9: 'registered (home, CSFB not preferred)',
  10: 'registered (roaming, CSFB not preferred)',
};

const REGISTERED = new Set([1, 5, 6, 7, 9, 10]);

export interface Registration {
  stat: number;
  registration: string;
  registered: boolean;
  /** Location area code and cell id (hex strings) when the modem reports them (`AT+CREG=2`). */
  lac?: string;
  ci?: string;
}

/**
 * `+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]` (the answer to `AT+CREG?`) or the unsolicited
 * `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]`: the second field is an unquoted number only in the former.
 */
export function decodeCreg(line: string): Registration | undefined {
  const fields = parseFields(line, '+CREG:');
  if (!fields) return undefined;
  const readForm = integer(fields[1]) !== undefined;
  const rest = readForm ? fields.slice(1) : fields;
  const stat = integer(rest[0]);
  if (stat === undefined) return undefined;
  const decoded: Registration = {
    stat,
    registration: REGISTRATION_STATES[stat] ?? `unknown state ${stat}`,
    registered: REGISTERED.has(stat),
  };
  if (rest[1]?.text) decoded.lac = rest[1].text;
  if (rest[2]?.text) decoded.ci = rest[2].text;
  return decoded;
}

/** `<AcT>` of +COPS/+CREG (27.007 §7.3). */
export const ACCESS_TECHNOLOGIES: Readonly<Record<number, string>> = {
  0: 'GSM',
  1: 'GSM Compact',
  2: 'UTRAN',
  3: 'GSM w/EGPRS',
  4: 'UTRAN w/HSDPA',
  5: 'UTRAN w/HSUPA',
  6: 'UTRAN w/HSDPA and HSUPA',
  7: 'E-UTRAN',
  8: 'EC-GSM-IoT',
  9: 'E-UTRAN (NB-S1)',
  10: 'E-UTRA connected to 5GCN',
  11: 'NR connected to 5GCN',
  12: 'NG-RAN',
  13: 'E-UTRA-NR dual connectivity',
};

const COPS_MODES: Readonly<Record<number, string>> = {
  0: 'automatic',
  1: 'manual',
  2: 'deregistered',
  3: 'format only',
  4: 'manual/automatic',
};

export interface OperatorInfo {
  mode: string;
  /** Long or short name, or the numeric MCC+MNC, as the modem's format gives it; null with none. */
  operator: string | null;
  access_technology: string | null;
}

/** `+COPS: <mode>[,<format>,"<oper>"[,<AcT>]]`. */
export function decodeCops(line: string): OperatorInfo | undefined {
  const fields = parseFields(line, '+COPS:');
  const mode = integer(fields?.[0]);
  if (!fields || mode === undefined) return undefined;
  const act = integer(fields[3]);
  return {
    mode: COPS_MODES[mode] ?? `mode ${mode}`,
    operator: fields[2]?.text ? fields[2].text : null,
    access_technology: act === undefined ? null : (ACCESS_TECHNOLOGIES[act] ?? `AcT ${act}`),
  };
}
