import { InputError } from '../errors.js';
import { WEATHER_SERVICES, type WeatherService } from './config.js';
import type { KeysFile } from './keys-file.js';
import {
  chooseLocation,
  type LocationChoice,
  type LocationDeps,
  type LocationQuery,
  resolveLocation,
} from './location.js';
import { getJson, type UpstreamRequest, upstreamReason } from './upstream.js';

/** What `services=` may ask for; all of them when it is absent. */

/** The keys file entry the OpenWeatherMap service reads. */
export const OPENWEATHER_KEY = 'OPENWEATHER_API_KEY';

export interface WeatherDeps extends LocationDeps {
  keys: KeysFile;
  openWeatherBaseUrl: string;
  timeoutMs: number;
}

/** `services=openweather,open-meteo` → the services, or a 400 naming the unknown one. */
export function parseServices(raw: string | undefined): WeatherService[] {
  if (raw === undefined || raw.trim() === '') return [...WEATHER_SERVICES];
  const services = new Set<WeatherService>();
  for (const part of raw.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (!(WEATHER_SERVICES as readonly string[]).includes(name)) {
      throw new InputError(
        `services: unknown service '${part.trim()}' (known: ${WEATHER_SERVICES.join(', ')})`,
      );
    }
    services.add(name as WeatherService);
  }
  if (services.size === 0)
    throw new InputError(`services must name at least one of ${WEATHER_SERVICES.join(', ')}`);
  return [...services];
}

async function openMeteoWeather(choice: LocationChoice, deps: WeatherDeps): Promise<unknown> {
  const location = await resolveLocation(choice, deps.openMeteo);
  return { location, forecast: await deps.openMeteo.forecast(location) };
}

/** OpenWeatherMap current weather (`/data/2.5/weather`), by name (its own geocoder) or coordinates. */
async function openWeather(choice: LocationChoice, deps: WeatherDeps): Promise<unknown> {
  const key = await deps.keys.get(OPENWEATHER_KEY);
  if (!key) return { error: `no API key: POST /api/keys ${OPENWEATHER_KEY}` };
  const where: UpstreamRequest['searchParams'] =
    choice.kind === 'name' ? { q: choice.name } : { lat: choice.latitude, lon: choice.longitude };
  const request: UpstreamRequest = {
    name: 'openweather',
    baseUrl: deps.openWeatherBaseUrl,
    path: '/data/2.5/weather',
    searchParams: { ...where, appid: key, units: 'metric' },
    timeoutMs: deps.timeoutMs,
  };
  const answer = await getJson(request);
  if (answer.status === 200) return answer.body;
  const reason = upstreamReason(answer.body) ?? 'no reason given';
  if (answer.status === 401) return { error: `openweather rejected ${OPENWEATHER_KEY} (401): ${reason}` };
  return { error: `openweather answered ${answer.status}: ${reason}` };
}

const fetchers: Record<WeatherService, (choice: LocationChoice, deps: WeatherDeps) => Promise<unknown>> = {
  'open-meteo': openMeteoWeather,
  openweather: openWeather,
};

/**
 * `GET /api/weather-data`: one entry per requested service, fetched in parallel. A service that
 * fails (no key, unknown place, upstream down) gets `{"error": "..."}` while the others still answer;
 * only an unresolvable location fails the whole request.
 */
export async function weatherData(
  query: LocationQuery,
  services: WeatherService[],
  deps: WeatherDeps,
): Promise<Partial<Record<WeatherService, unknown>>> {
  const choice = await chooseLocation(query, deps);
  const settled = await Promise.allSettled(services.map((s) => fetchers[s](choice, deps)));
  const result: Partial<Record<WeatherService, unknown>> = {};
  services.forEach((service, i) => {
    const outcome = settled[i];
    result[service] =
      outcome.status === 'fulfilled'
        ? outcome.value
        : { error: (outcome.reason as Error).message ?? 'failed' };
  });
  return result;
}
