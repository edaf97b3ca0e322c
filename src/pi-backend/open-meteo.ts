import { expectOk, getJson, UpstreamError, type UpstreamRequest } from './upstream.js';

export interface Coordinates {
  latitude: number;
  longitude: number;
}

/** One geocoding match, with the fields Open-Meteo's geocoding API answers. */
export interface Place extends Coordinates {
  name: string;
  country?: string;
  country_code?: string;
  admin1?: string;
  timezone?: string;
  elevation?: number;
}

export interface OpenMeteoOptions {
  geocoding: string;
  forecast: string;
  airQuality: string;
  climate: string;
  timeoutMs: number;
}

/** Forecast variables (https://open-meteo.com/en/docs): what a solar node cares about. */
const FORECAST_CURRENT = [
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
].join(',');
const FORECAST_HOURLY = [
  'temperature_2m',
  'relative_humidity_2m',
  'precipitation_probability',
  'weather_code',
  'cloud_cover',
  'shortwave_radiation',
].join(',');
const ASTRONOMY_DAILY = 'sunrise,sunset,daylight_duration,sunshine_duration';
const AIR_QUALITY_CURRENT = 'european_aqi,us_aqi,pm10,pm2_5,carbon_monoxide,nitrogen_dioxide,ozone';
const CLIMATE_DAILY = [
  'temperature_2m_mean',
  'temperature_2m_max',
  'temperature_2m_min',
  'precipitation_sum',
  'shortwave_radiation_sum',
].join(',');

/** Country names people write after a comma that are not ISO 3166-1 codes. */
const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB' };

const isPlace = (value: unknown): value is Place => {
  const v = value as Place;
  return typeof v === 'object' && v !== null && Number.isFinite(v.latitude) && Number.isFinite(v.longitude);
};

const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The keyless Open-Meteo APIs: geocoding, forecast (and sun times), air quality, climate. */
export class OpenMeteo {
  readonly #options: OpenMeteoOptions;

  constructor(options: OpenMeteoOptions) {
    this.#options = options;
  }

  #request(name: string, baseUrl: string, path: string, searchParams: UpstreamRequest['searchParams']) {
    return { name, baseUrl, path, searchParams, timeoutMs: this.#options.timeoutMs };
  }

  async #get(request: UpstreamRequest): Promise<unknown> {
    return expectOk(request, await getJson(request));
  }

  /**
   * The best match for a place name, or undefined. "London,UK" searches "London" in country GB; any
   * other qualifier ("Paris, Texas") picks the first of ten matches whose region or country has it.
   */
  async geocode(query: string): Promise<Place | undefined> {
    const [rawName, ...rest] = query.split(',');
    const name = rawName.trim();
    const qualifier = rest.join(',').trim();
    const params: UpstreamRequest['searchParams'] = { name, count: 1, language: 'en', format: 'json' };
    const code = qualifier.toUpperCase();
    if (/^[A-Z]{2}$/.test(code)) params.countryCode = COUNTRY_ALIASES[code] ?? code;
    else if (qualifier) params.count = 10;
    const body = await this.#get(
      this.#request('open-meteo geocoding', this.#options.geocoding, '/v1/search', params),
    );
    const results = (body as { results?: unknown }).results;
    if (!Array.isArray(results)) return undefined;
    const places = results.filter(isPlace);
    if (qualifier && params.count === 10) {
      const wanted = qualifier.toLowerCase();
      const match = places.find((p) =>
        [p.admin1, p.country, p.country_code].some((field) => field?.toLowerCase() === wanted),
      );
      if (match) return pickPlace(match);
    }
    return places[0] ? pickPlace(places[0]) : undefined;
  }

  forecast(at: Coordinates): Promise<unknown> {
    return this.#get(
      this.#request('open-meteo forecast', this.#options.forecast, '/v1/forecast', {
        ...coordinates(at),
        current: FORECAST_CURRENT,
        hourly: FORECAST_HOURLY,
        timezone: 'auto',
      }),
    );
  }

  /** Sunrise, sunset, day length and sunshine for the coming days (the forecast API's daily data). */
  astronomy(at: Coordinates): Promise<unknown> {
    return this.#get(
      this.#request('open-meteo forecast', this.#options.forecast, '/v1/forecast', {
        ...coordinates(at),
        daily: ASTRONOMY_DAILY,
        timezone: 'auto',
      }),
    );
  }

  airQuality(at: Coordinates): Promise<unknown> {
    return this.#get(
      this.#request('open-meteo air quality', this.#options.airQuality, '/v1/air-quality', {
        ...coordinates(at),
        current: AIR_QUALITY_CURRENT,
        timezone: 'auto',
      }),
    );
  }

  /** Daily climate-model values from `now` for `days` days (the API's data end on 2050-12-31). */
  climate(at: Coordinates, options: { model: string; days: number; now: number }): Promise<unknown> {
    const end = Math.min(options.now + (options.days - 1) * 86_400_000, Date.UTC(2050, 11, 31));
    if (end < options.now) {
      throw new UpstreamError('open-meteo climate', 'has no data after 2050-12-31', {
        code: 'ERR_UPSTREAM',
        status: 502,
      });
    }
    return this.#get(
      this.#request('open-meteo climate', this.#options.climate, '/v1/climate', {
        ...coordinates(at),
        start_date: date(options.now),
        end_date: date(end),
        models: options.model,
        daily: CLIMATE_DAILY,
      }),
    );
  }
}

function coordinates(at: Coordinates) {
  return { latitude: at.latitude, longitude: at.longitude };
}

function pickPlace(p: Place): Place {
  const place: Place = { name: String(p.name ?? ''), latitude: p.latitude, longitude: p.longitude };
  for (const key of ['country', 'country_code', 'admin1', 'timezone'] as const) {
    if (typeof p[key] === 'string') place[key] = p[key];
  }
  if (Number.isFinite(p.elevation)) place.elevation = p.elevation;
  return place;
}
