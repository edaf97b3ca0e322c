import test from 'ava';
import type { PimeshError } from '../../../src/errors.js';
import { gpsAnswer } from '../../../src/hardware/gnss/gps-answer.js';
import type { GpsdSky, GpsdSnapshot, GpsdTpv } from '../../../src/hardware/gnss/gpsd-client.js';

const NOW = 1_000_000;
const STALE = { now: NOW, staleAfterMs: 10_000 };

function snapshot(
  tpv: Partial<GpsdTpv> | undefined,
  sky?: Partial<GpsdSky>,
  ages = { tpv: 1000, sky: 1000 },
) {
  return {
    address: '127.0.0.1:2947',
    connected: true,
    devices: ['/dev/serial0'],
    tpv: tpv && { data: { class: 'TPV', mode: 3, ...tpv } as GpsdTpv, receivedAt: NOW - ages.tpv },
    sky: sky && { data: { class: 'SKY', ...sky } as GpsdSky, receivedAt: NOW - ages.sky },
  } satisfies GpsdSnapshot;
}

test('a fresh mode-3 TPV and SKY give the pi_backend fields', (t) => {
  const answer = gpsAnswer(
    snapshot(
      {
        time: '2024-06-21T12:00:05.000Z',
        lat: 40.5,
        lon: -73.9,
        altHAE: -21.9,
        altMSL: 12.3,
        alt: 12.3,
        speed: 0.25,
        track: 54.7,
        climb: 0,
        epx: 10.6,
        epv: 34.5,
      },
      { nSat: 11, uSat: 8 },
    ),
    STALE,
  );
  t.deepEqual(answer, {
    source: 'gpsd',
    fix_type: '3D Fix',
    latitude: 40.5,
    longitude: -73.9,
    altitude_m: -21.9,
    speed_mps: 0.25,
    track_deg: 54.7,
    climb_mps: 0,
    time_utc: '2024-06-21T12:00:05.000Z',
    satellites_used: 8,
    satellites_in_view: 11,
    error_horizontal_m: 10.6,
    error_vertical_m: 34.5,
  });
});

test('altitude falls back from altHAE to altMSL to alt (gpsd versions differ)', (t) => {
  t.is(gpsAnswer(snapshot({ altMSL: 12.3, alt: 99 }), STALE).altitude_m, 12.3);
  t.is(gpsAnswer(snapshot({ alt: 7 }), STALE).altitude_m, 7);
  t.is(gpsAnswer(snapshot({}), STALE).altitude_m, null);
});

test('modes 2, 1 and 0 are a 2D fix and no fix; absent values are null', (t) => {
  t.is(gpsAnswer(snapshot({ mode: 2, lat: 1, lon: 2 }), STALE).fix_type, '2D Fix');
  t.like(gpsAnswer(snapshot({ mode: 1 }), STALE), { fix_type: 'No Fix', latitude: null, longitude: null });
  t.is(gpsAnswer(snapshot({ mode: 0 }), STALE).fix_type, 'No Fix');
});

test('without uSat/nSat the satellites are counted from the list', (t) => {
  const sky = {
    satellites: [
      { PRN: 1, used: true },
      { PRN: 2, used: false },
      { PRN: 3, used: true },
    ],
  };
  t.like(gpsAnswer(snapshot({}, sky), STALE), { satellites_used: 2, satellites_in_view: 3 });
});

test('a SKY older than the stale window is not used', (t) => {
  const answer = gpsAnswer(snapshot({}, { nSat: 11, uSat: 8 }, { tpv: 1000, sky: 11_000 }), STALE);
  t.like(answer, { fix_type: '3D Fix', satellites_used: null, satellites_in_view: null });
});

test('a TPV older than the stale window is "Stale GPS data" (503)', (t) => {
  const error = t.throws<PimeshError>(() =>
    gpsAnswer(snapshot({}, undefined, { tpv: 10_500, sky: 0 }), STALE),
  );
  t.is(error?.status, 503);
  t.is(error?.code, 'ERR_GPS_STALE');
  t.is(
    error?.message,
    'Stale GPS data. No position report (TPV) from gpsd at 127.0.0.1:2947 for 10.5 s (stale after 10 s).',
  );
});

test('no TPV yet is stale too, naming the devices gpsd has', (t) => {
  const error = t.throws<PimeshError>(() => gpsAnswer(snapshot(undefined), STALE));
  t.is(error?.code, 'ERR_GPS_STALE');
  t.regex(error?.message ?? '', /^Stale GPS data\. No position report \(TPV\) .* yet \(\/dev\/serial0;/);
});

test('gpsd not connected is a 503 naming gpsd, its address and the reason', (t) => {
  const gone: GpsdSnapshot = {
    ...snapshot({}),
    connected: false,
    lastError: { message: 'connect ECONNREFUSED 127.0.0.1:2947', at: NOW },
  };
  const error = t.throws<PimeshError>(() => gpsAnswer(gone, STALE));
  t.is(error?.status, 503);
  t.is(error?.code, 'ERR_DEVICE_UNAVAILABLE');
  t.is(error?.message, 'gpsd at 127.0.0.1:2947 unavailable: connect ECONNREFUSED 127.0.0.1:2947');
});
