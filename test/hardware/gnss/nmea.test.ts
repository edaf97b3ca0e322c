import test from 'ava';
import {
  nmeaChecksum,
  nmeaCoordinate,
  nmeaSentence,
  parseGga,
  parseGsa,
  parseGsv,
  parseNmeaLine,
  parseRmc,
} from '../../../src/hardware/gnss/nmea.js';
import { fixTypeOf, summariseNmea } from '../../../src/hardware/gnss/nmea-fix.js';

// Widely published receiver output (NMEA 0183 reference examples and a u-blox multi-GNSS receiver).
const GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47';
const RMC = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A';
const GSA = '$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39';
const GSV = '$GPGSV,2,1,08,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45*75';
const GNGGA = '$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M,,*47';
/** GGA with the altitude changed in transit (545.4 → 945.4) and the old checksum. */
const CORRUPTED = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,945.4,M,46.9,M,,*47';

const parse = (line: string) => {
  const sentence = parseNmeaLine(line);
  if (!sentence) throw new Error(`not a sentence: ${line}`);
  return sentence;
};

test('real sentences carry a checksum that verifies', (t) => {
  for (const line of [GGA, RMC, GSA, GSV, GNGGA]) t.true(parse(line).checksumOk, line);
  t.is(nmeaChecksum('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'), '47');
});

test('a sentence changed in transit fails its checksum', (t) => {
  t.false(parse(CORRUPTED).checksumOk);
});

test('lower-case hex checksums are accepted; missing, short or non-hex ones are not', (t) => {
  t.true(parse(RMC.replace('*6A', '*6a')).checksumOk);
  t.false(parse(GGA.replace('*47', '')).checksumOk);
  t.false(parse(GGA.replace('*47', '*4')).checksumOk);
  t.false(parse(GGA.replace('*47', '*ZZ')).checksumOk);
});

test('a line that does not start with $ is not a sentence, and line endings are stripped', (t) => {
  t.is(parseNmeaLine('OK'), undefined);
  t.is(parseNmeaLine('GPGGA,123519*47'), undefined);
  t.is(parse(`${GGA}\r\n`).raw, GGA);
});

test('the address splits into talker and type; proprietary sentences have talker P', (t) => {
  const gga = parse(GNGGA);
  t.is(gga.talker, 'GN');
  t.is(gga.type, 'GGA');
  t.is(gga.fields[0], '001043.00');
  const pmtk = parse(nmeaSentence('PMTK220,1000'));
  t.is(pmtk.talker, 'P');
  t.is(pmtk.type, 'MTK220');
  t.true(pmtk.checksumOk);
});

test('coordinates become signed decimal degrees', (t) => {
  t.is(nmeaCoordinate('4807.038', 'N'), 48.1173);
  t.is(nmeaCoordinate('01131.000', 'E'), 11.516666667);
  t.is(nmeaCoordinate('12118.85961', 'W'), -121.314326833);
  t.is(nmeaCoordinate('4916.45', 'S'), -49.274166667);
  t.is(nmeaCoordinate('', 'N'), undefined);
  t.is(nmeaCoordinate('4807.038', ''), undefined);
  t.is(nmeaCoordinate('4875.000', 'N'), undefined);
});

test('GGA gives position, quality, satellites used, HDOP and altitude', (t) => {
  t.deepEqual(parseGga(parse(GGA).fields), {
    time: '12:35:19',
    latitude: 48.1173,
    longitude: 11.516666667,
    quality: 1,
    satellitesUsed: 8,
    hdop: 0.9,
    altitudeMsl: 545.4,
    geoidSeparation: 46.9,
  });
});

test('RMC gives the UTC date and time, speed and track', (t) => {
  const rmc = parseRmc(parse(RMC).fields);
  t.is(rmc.timeUtc, '1994-03-23T12:35:19Z');
  t.is(rmc.status, 'A');
  t.is(rmc.speedKnots, 22.4);
  t.is(rmc.trackDeg, 84.4);
});

test('GSA gives the fix type, the PRNs used and the DOPs', (t) => {
  t.deepEqual(parseGsa(parse(GSA).fields), {
    fixType: 3,
    used: [4, 5, 9, 12, 24],
    pdop: 2.5,
    hdop: 1.3,
    vdop: 2.1,
  });
});

test('GSV gives the satellites in view and up to four satellites per sentence', (t) => {
  const gsv = parseGsv(parse(GSV).fields);
  t.is(gsv.messages, 2);
  t.is(gsv.index, 1);
  t.is(gsv.inView, 8);
  t.deepEqual(gsv.satellites[0], { prn: 1, elevation: 40, azimuth: 83, snr: 46 });
  t.is(gsv.satellites.length, 4);
  // NMEA 4.10: a signal id after the last group is not a satellite.
  t.is(parseGsv(['1', '1', '02', '10', '05', '010', '', '23', '08', '330', '22', '1']).satellites.length, 2);
});

test('fix types are named as pi_backend names them', (t) => {
  t.is(fixTypeOf(0), 'No Fix');
  t.is(fixTypeOf(1), 'No Fix');
  t.is(fixTypeOf(2), '2D Fix');
  t.is(fixTypeOf(3), '3D Fix');
});

test('a summary uses only sentences with a good checksum', (t) => {
  const fix = summariseNmea([RMC, GGA, CORRUPTED, GSA, GSV].map(parse));
  t.deepEqual(fix, {
    fix_type: '3D Fix',
    latitude: 48.1173,
    longitude: 11.516666667,
    altitude_m: 545.4,
    speed_mps: 11.524,
    track_deg: 84.4,
    time_utc: '1994-03-23T12:35:19Z',
    satellites_used: 8,
    satellites_in_view: 8,
    hdop: 0.9,
  });
});

test('without GSA, a GGA fix with an altitude counts as 3D; quality 0 as no fix', (t) => {
  t.is(summariseNmea([parse(GNGGA)])?.fix_type, '3D Fix');
  const noFix = nmeaSentence('GPGGA,120000.00,,,,,0,00,99.99,,,,,,');
  t.like(summariseNmea([parse(noFix)]), { fix_type: 'No Fix', latitude: null, satellites_used: 0 });
});

test('satellites in view are summed over the talkers', (t) => {
  const glonass = nmeaSentence('GLGSV,1,1,03,65,20,100,30,66,40,200,35,67,10,300,');
  t.is(summariseNmea([GGA, GSV, glonass].map(parse))?.satellites_in_view, 11);
});

test('nothing to summarise without GGA, RMC or GSA', (t) => {
  t.is(summariseNmea([parse(GSV)]), null);
  t.is(summariseNmea([parse(CORRUPTED)]), null);
});
