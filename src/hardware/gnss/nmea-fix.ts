import {
  type Gga,
  type Gsa,
  type NmeaSentence,
  parseGga,
  parseGsa,
  parseGsv,
  parseRmc,
  type Rmc,
} from './nmea.js';

export type FixType = 'No Fix' | '2D Fix' | '3D Fix';

/** gpsd's TPV mode (and GSA's fix type) as pi_backend names it: 0 and 1 "No Fix", 2 "2D Fix", 3 "3D Fix". */
export function fixTypeOf(mode: number | undefined): FixType {
  if (mode === 3) return '3D Fix';
  if (mode === 2) return '2D Fix';
  return 'No Fix';
}

/** What a batch of NMEA sentences says about the fix, under the field names of the gpsd answer. */
export interface NmeaFix {
  fix_type: FixType;
  latitude: number | null;
  longitude: number | null;
  /** GGA's altitude above mean sea level. */
  altitude_m: number | null;
  speed_mps: number | null;
  track_deg: number | null;
  /** From RMC (the only sentence with a date). */
  time_utc: string | null;
  satellites_used: number | null;
  satellites_in_view: number | null;
  hdop: number | null;
}

const KNOT_MPS = 1852 / 3600;

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function fixTypeFrom(gga?: Gga, rmc?: Rmc, gsa?: Gsa): FixType {
  if (gsa) return fixTypeOf(gsa.fixType);
  // gpsd's inference without GSA: a GGA fix with an altitude is 3D.
  if (gga) return gga.quality === 0 ? 'No Fix' : gga.altitudeMsl !== undefined ? '3D Fix' : '2D Fix';
  return rmc?.status === 'A' ? '2D Fix' : 'No Fix';
}

/**
 * Summarises the sentences whose checksum is right (the latest GGA, RMC and GSA win; satellites in view
 * are summed over the talkers' latest GSV). Null when none of GGA, RMC or GSA was among them.
 */
export function summariseNmea(sentences: readonly NmeaSentence[]): NmeaFix | null {
  let gga: Gga | undefined;
  let rmc: Rmc | undefined;
  let gsa: Gsa | undefined;
  const usedPrns = new Set<string>();
  const inViewByTalker = new Map<string, number>();
  for (const sentence of sentences) {
    if (!sentence.checksumOk) continue;
    if (sentence.type === 'GGA') gga = parseGga(sentence.fields);
    else if (sentence.type === 'RMC') rmc = parseRmc(sentence.fields);
    else if (sentence.type === 'GSA') {
      gsa = parseGsa(sentence.fields);
      for (const prn of gsa.used) usedPrns.add(`${sentence.talker}:${prn}`);
    } else if (sentence.type === 'GSV') {
      inViewByTalker.set(sentence.talker, parseGsv(sentence.fields).inView);
    }
  }
  if (!gga && !rmc && !gsa) return null;
  const inView = [...inViewByTalker.values()].reduce((sum, n) => sum + n, 0);
  return {
    fix_type: fixTypeFrom(gga, rmc, gsa),
    latitude: orNull(gga?.latitude ?? rmc?.latitude),
    longitude: orNull(gga?.longitude ?? rmc?.longitude),
    altitude_m: orNull(gga?.altitudeMsl),
    speed_mps: rmc?.speedKnots === undefined ? null : Math.round(rmc.speedKnots * KNOT_MPS * 1000) / 1000,
    track_deg: orNull(rmc?.trackDeg),
    time_utc: orNull(rmc?.timeUtc),
    satellites_used: orNull(gga?.satellitesUsed ?? (gsa ? usedPrns.size : undefined)),
    satellites_in_view: inViewByTalker.size > 0 ? inView : null,
    hdop: orNull(gga?.hdop ?? gsa?.hdop),
  };
}
