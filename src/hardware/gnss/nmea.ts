/**
 * NMEA 0183 codec, pure: checksums, fields, and the four sentences a GNSS summary needs (GGA, RMC, GSA,
 * GSV). No I/O; the UART reader and the tests feed it lines.
 */

export interface NmeaSentence {
  /** The line as received, without the line ending. */
  raw: string;
  /** `GP`, `GN`, `GL`, `GA`, `GB`, `BD`...; `P` for proprietary sentences (`$PMTK...`). */
  talker: string;
  /** `GGA`, `RMC`, `GSA`, `GSV`... */
  type: string;
  /** The fields after the address, before the checksum. */
  fields: string[];
  /** True when the line ends in `*HH` and HH is the XOR of every character between `$` and `*`. */
  checksumOk: boolean;
}

/** The XOR of every character of `body` (what lies between `$` and `*`), as two upper-case hex digits. */
export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** `$<body>*HH` with the right checksum: how a talker (or a test) frames a sentence. */
export function nmeaSentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}`;
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Splits one line into a sentence; undefined when it is not one (does not start with `$`). */
export function parseNmeaLine(line: string): NmeaSentence | undefined {
  const raw = line.replace(/[\r\n]+$/, '');
  if (!raw.startsWith('$')) return undefined;
  const star = raw.lastIndexOf('*');
  const body = star === -1 ? raw.slice(1) : raw.slice(1, star);
  const given = star === -1 ? undefined : raw.slice(star + 1);
  const checksumOk =
    given !== undefined && /^[0-9A-Fa-f]{2}$/.test(given) && PRINTABLE.test(body)
      ? given.toUpperCase() === nmeaChecksum(body)
      : false;
  const [address = '', ...fields] = body.split(',');
  const proprietary = address.startsWith('P');
  return {
    raw,
    talker: proprietary ? 'P' : address.slice(0, 2),
    type: proprietary ? address.slice(1) : address.slice(2),
    fields,
    checksumOk,
  };
}

const num = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};

/** `ddmm.mmmm` / `dddmm.mmmm` plus a hemisphere letter, in signed decimal degrees (9 places, as gpsd). */
export function nmeaCoordinate(
  value: string | undefined,
  hemisphere: string | undefined,
): number | undefined {
  const match = /^(\d{1,3})(\d\d(?:\.\d+)?)$/.exec(value ?? '');
  if (!match) return undefined;
  const minutes = Number(match[2]);
  if (minutes >= 60) return undefined;
  const decimal = Math.round((Number(match[1]) + minutes / 60) * 1e9) / 1e9;
  if (hemisphere === 'S' || hemisphere === 'W') return -decimal;
  if (hemisphere === 'N' || hemisphere === 'E') return decimal;
  return undefined;
}

/** `hhmmss.ss` → `hh:mm:ss.ss`, or undefined. */
function nmeaTime(value: string | undefined): string | undefined {
  const match = /^(\d\d)(\d\d)(\d\d(?:\.\d+)?)$/.exec(value ?? '');
  return match ? `${match[1]}:${match[2]}:${match[3]}` : undefined;
}

export interface Gga {
  time?: string;
  latitude?: number;
  longitude?: number;
  /** 0 = no fix, 1 = GPS, 2 = DGPS, 4/5 = RTK, 6 = dead reckoning... */
  quality: number;
  satellitesUsed?: number;
  hdop?: number;
  /** Above mean sea level, metres. */
  altitudeMsl?: number;
  geoidSeparation?: number;
}

export function parseGga(fields: string[]): Gga {
  return {
    time: nmeaTime(fields[0]),
    latitude: nmeaCoordinate(fields[1], fields[2]),
    longitude: nmeaCoordinate(fields[3], fields[4]),
    quality: num(fields[5]) ?? 0,
    satellitesUsed: num(fields[6]),
    hdop: num(fields[7]),
    altitudeMsl: num(fields[8]),
    geoidSeparation: num(fields[10]),
  };
}

export interface Rmc {
  /** ISO 8601 UTC when both date and time are present. */
  timeUtc?: string;
  /** `A` valid, `V` void. */
  status: string;
  latitude?: number;
  longitude?: number;
  speedKnots?: number;
  trackDeg?: number;
}

export function parseRmc(fields: string[]): Rmc {
  const time = nmeaTime(fields[0]);
  const date = /^(\d\d)(\d\d)(\d\d)$/.exec(fields[8] ?? '');
  // Two-digit years: gpsd's rule, 80-99 are the 1900s.
  const year = date ? Number(date[3]) + (Number(date[3]) >= 80 ? 1900 : 2000) : undefined;
  return {
    timeUtc: time && date ? `${year}-${date[2]}-${date[1]}T${time}Z` : undefined,
    status: fields[1] ?? '',
    latitude: nmeaCoordinate(fields[2], fields[3]),
    longitude: nmeaCoordinate(fields[4], fields[5]),
    speedKnots: num(fields[6]),
    trackDeg: num(fields[7]),
  };
}

export interface Gsa {
  /** 1 = no fix, 2 = 2D, 3 = 3D. */
  fixType: number;
  /** PRNs of the satellites used in the solution. */
  used: number[];
  pdop?: number;
  hdop?: number;
  vdop?: number;
}

export function parseGsa(fields: string[]): Gsa {
  const used: number[] = [];
  for (const field of fields.slice(2, 14)) {
    const prn = num(field);
    if (prn !== undefined) used.push(prn);
  }
  return {
    fixType: num(fields[1]) ?? 1,
    used,
    pdop: num(fields[14]),
    hdop: num(fields[15]),
    vdop: num(fields[16]),
  };
}

export interface Gsv {
  messages: number;
  index: number;
  inView: number;
  satellites: { prn: number; elevation?: number; azimuth?: number; snr?: number }[];
}

export function parseGsv(fields: string[]): Gsv {
  const satellites: Gsv['satellites'] = [];
  // NMEA 4.10 adds a signal id after the groups of four: ignore a lone trailing field.
  const end = 3 + Math.floor((fields.length - 3) / 4) * 4;
  for (let i = 3; i < end; i += 4) {
    const prn = num(fields[i]);
    if (prn === undefined) continue;
    satellites.push({
      prn,
      elevation: num(fields[i + 1]),
      azimuth: num(fields[i + 2]),
      snr: num(fields[i + 3]),
    });
  }
  return {
    messages: num(fields[0]) ?? 0,
    index: num(fields[1]) ?? 0,
    inView: num(fields[2]) ?? 0,
    satellites,
  };
}
