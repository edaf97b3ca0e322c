import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for Open-Meteo (geocoding, forecast, air quality, climate) and OpenWeatherMap's
 * current weather, on one 127.0.0.1 port. Each checks the query parameters as the real API documents
 * them and answers 400 with the API's own error shape otherwise, so a wrong parameter name fails a
 * test instead of passing silently.
 */
export interface FakePlace {
  name: string;
  latitude: number;
  longitude: number;
  country: string;
  country_code: string;
  admin1?: string;
  timezone?: string;
}

export const PLACES: FakePlace[] = [
  {
    name: 'Tokyo',
    latitude: 35.6895,
    longitude: 139.69171,
    country: 'Japan',
    country_code: 'JP',
    admin1: 'Tokyo',
    timezone: 'Asia/Tokyo',
  },
  {
    name: 'London',
    latitude: 51.50853,
    longitude: -0.12574,
    country: 'United Kingdom',
    country_code: 'GB',
    admin1: 'England',
    timezone: 'Europe/London',
  },
  {
    name: 'London',
    latitude: 42.98339,
    longitude: -81.23304,
    country: 'Canada',
    country_code: 'CA',
    admin1: 'Ontario',
    timezone: 'America/Toronto',
  },
  {
    name: 'Paris',
    latitude: 48.85341,
    longitude: 2.3488,
    country: 'France',
    country_code: 'FR',
    admin1: 'Île-de-France',
    timezone: 'Europe/Paris',
  },
  {
    name: 'Paris',
    latitude: 33.66094,
    longitude: -95.55551,
    country: 'United States',
    country_code: 'US',
    admin1: 'Texas',
    timezone: 'America/Chicago',
  },
];

const FORECAST_VARIABLES = new Set([
  'temperature_2m',
  'relative_humidity_2m',
  'apparent_temperature',
  'is_day',
  'precipitation',
  'weather_code',
  'cloud_cover',
  'pressure_msl',
  'wind_speed_10m',
  'wind_direction_10m',
  'precipitation_probability',
  'shortwave_radiation',
]);
const DAILY_VARIABLES = new Set(['sunrise', 'sunset', 'daylight_duration', 'sunshine_duration']);
const AIR_VARIABLES = new Set([
  'european_aqi',
  'us_aqi',
  'pm10',
  'pm2_5',
  'carbon_monoxide',
  'nitrogen_dioxide',
  'ozone',
]);
const CLIMATE_VARIABLES = new Set([
  'temperature_2m_mean',
  'temperature_2m_max',
  'temperature_2m_min',
  'precipitation_sum',
  'shortwave_radiation_sum',
]);
const CLIMATE_MODELS = new Set([
  'CMCC_CM2_VHR4',
  'FGOALS_f3_H',
  'HiRAM_SIT_HR',
  'MRI_AGCM3_2_S',
  'EC_Earth3P_HR',
  'MPI_ESM1_2_XR',
  'NICAM16_8S',
]);

export type FakeMode = 'ok' | 'error500' | 'garbage' | 'hang';

export interface WeatherFake {
  url: string;
  /** Every request, as received. */
  requests: { url: URL; userAgent: string | undefined }[];
  /** How every answer behaves from now on. */
  mode: FakeMode;
  /** The OpenWeatherMap key it accepts. */
  openWeatherKey: string;
  close(): Promise<void>;
}

class BadRequest extends Error {}

function list(params: URLSearchParams, name: string, known: Set<string>): string[] {
  const raw = params.get(name);
  if (raw === null) return [];
  const names = raw.split(',');
  for (const n of names) {
    if (!known.has(n))
      throw new BadRequest(`Cannot initialize ${name} variable from invalid String value ${n}`);
  }
  return names;
}

function coordinates(params: URLSearchParams): { latitude: number; longitude: number } {
  const latitude = Number(params.get('latitude'));
  const longitude = Number(params.get('longitude'));
  if (params.get('latitude') === null || params.get('longitude') === null)
    throw new BadRequest('Parameter latitude and longitude required');
  if (!(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180))
    throw new BadRequest('Latitude must be in range of -90 to 90°');
  return { latitude, longitude };
}

function series(names: string[], count: number) {
  const out: Record<string, unknown[]> = {
    time: Array.from({ length: count }, (_, i) => `2025-06-27T${String(i).padStart(2, '0')}:00`),
  };
  for (const n of names) out[n] = Array.from({ length: count }, (_, i) => i / 2);
  return out;
}

function geocoding(params: URLSearchParams) {
  const name = params.get('name');
  if (name === null) throw new BadRequest('Parameter name is required');
  const count = Number(params.get('count') ?? 10);
  if (!Number.isInteger(count) || count < 1 || count > 100)
    throw new BadRequest('count must be between 1 and 100');
  if (params.get('format') !== null && params.get('format') !== 'json')
    throw new BadRequest('format must be json or protobuf');
  const countryCode = params.get('countryCode');
  const results = PLACES.filter(
    (p) =>
      name.length >= 2 &&
      p.name.toLowerCase() === name.toLowerCase() &&
      (!countryCode || p.country_code === countryCode),
  ).slice(0, count);
  return results.length > 0 ? { results, generationtime_ms: 0.5 } : { generationtime_ms: 0.5 };
}

function forecast(params: URLSearchParams) {
  const at = coordinates(params);
  const current = list(params, 'current', FORECAST_VARIABLES);
  const hourly = list(params, 'hourly', FORECAST_VARIABLES);
  const daily = list(params, 'daily', DAILY_VARIABLES);
  if (daily.length > 0 && params.get('timezone') === null) throw new BadRequest('Timezone is required');
  const body: Record<string, unknown> = {
    ...at,
    timezone: params.get('timezone') === 'auto' ? 'Asia/Tokyo' : 'GMT',
    utc_offset_seconds: 0,
  };
  if (current.length > 0)
    body.current = Object.fromEntries([
      ['time', '2025-06-27T12:00'],
      ['interval', 900],
      ...current.map((n) => [n, 21.5]),
    ]);
  if (hourly.length > 0) body.hourly = series(hourly, 24);
  if (daily.length > 0) body.daily = series(daily, 7);
  return body;
}

function airQuality(params: URLSearchParams) {
  const at = coordinates(params);
  const current = list(params, 'current', AIR_VARIABLES);
  return {
    ...at,
    current: Object.fromEntries([['time', '2025-06-27T12:00'], ...current.map((n) => [n, 12])]),
  };
}

function climate(params: URLSearchParams) {
  const at = coordinates(params);
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const start = params.get('start_date') ?? '';
  const end = params.get('end_date') ?? '';
  if (!day.test(start) || !day.test(end))
    throw new BadRequest('start_date and end_date are required (yyyy-mm-dd)');
  if (start < '1950-01-01' || end > '2050-12-31' || end < start)
    throw new BadRequest('Parameter start_date/end_date out of range');
  const models = (params.get('models') ?? '').split(',');
  if (models.some((m) => !CLIMATE_MODELS.has(m))) throw new BadRequest('Invalid climate model');
  const daily = list(params, 'daily', CLIMATE_VARIABLES);
  if (daily.length === 0) throw new BadRequest('daily variables are required');
  return { ...at, daily: series(daily, 3), start_date: start, end_date: end };
}

function openWeather(params: URLSearchParams, key: string): [number, unknown] {
  if (params.get('appid') !== key) {
    return [
      401,
      {
        cod: 401,
        message: 'Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.',
      },
    ];
  }
  if (params.get('units') !== 'metric')
    return [400, { cod: '400', message: 'units must be metric in this fake' }];
  let place: FakePlace | undefined;
  const q = params.get('q');
  if (q !== null) {
    const [name, country] = q.split(',').map((s) => s.trim());
    const code = country?.toUpperCase() === 'UK' ? 'GB' : country?.toUpperCase();
    place = PLACES.find(
      (p) => p.name.toLowerCase() === name.toLowerCase() && (!code || p.country_code === code),
    );
  } else if (params.get('lat') !== null && params.get('lon') !== null) {
    place = {
      name: 'Somewhere',
      latitude: Number(params.get('lat')),
      longitude: Number(params.get('lon')),
      country: '',
      country_code: '',
    };
  } else {
    return [400, { cod: '400', message: 'Nothing to geocode' }];
  }
  if (!place) return [404, { cod: '404', message: 'city not found' }];
  return [
    200,
    {
      coord: { lon: place.longitude, lat: place.latitude },
      weather: [{ id: 800, main: 'Clear' }],
      main: { temp: 18.2, humidity: 60 },
      name: place.name,
      cod: 200,
    },
  ];
}

export async function startWeatherFake(options: { openWeatherKey?: string } = {}): Promise<WeatherFake> {
  const hanging = new Set<ServerResponse>();
  const fake: WeatherFake = {
    url: '',
    requests: [],
    mode: 'ok',
    openWeatherKey: options.openWeatherKey ?? 'owm-test-key',
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push({ url, userAgent: req.headers['user-agent'] });
    if (fake.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (fake.mode === 'error500') return send(res, 500, { error: true, reason: 'internal' });
    if (fake.mode === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<html>maintenance</html>');
    }
    const params = url.searchParams;
    try {
      switch (url.pathname) {
        case '/v1/search':
          return send(res, 200, geocoding(params));
        case '/v1/forecast':
          return send(res, 200, forecast(params));
        case '/v1/air-quality':
          return send(res, 200, airQuality(params));
        case '/v1/climate':
          return send(res, 200, climate(params));
        case '/data/2.5/weather': {
          const [status, body] = openWeather(params, fake.openWeatherKey);
          return send(res, status, body);
        }
        default:
          return send(res, 404, { error: true, reason: `no route ${url.pathname}` });
      }
    } catch (error) {
      if (error instanceof BadRequest) return send(res, 400, { error: true, reason: error.message });
      throw error;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Upstream base URLs all pointing at the fake. */
export function fakeUpstreams(fake: WeatherFake) {
  return {
    geocoding: fake.url,
    forecast: fake.url,
    airQuality: fake.url,
    climate: fake.url,
    openWeather: fake.url,
  };
}
