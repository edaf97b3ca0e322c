import { InputError } from '../errors.js';
import {
  chooseLocation,
  type LocationDeps,
  type LocationQuery,
  type ResolvedLocation,
  resolveLocation,
} from './location.js';

/** What `modules=` may ask for; `forecast` when it is absent. */
export const LOCATION_MODULES = ['forecast', 'astronomy', 'air_quality'] as const;
export type LocationModule = (typeof LOCATION_MODULES)[number];

/** `modules=forecast,astronomy` → the modules, or a 400 naming the unknown one. */
export function parseModules(raw: string | undefined): LocationModule[] {
  if (raw === undefined || raw.trim() === '') return ['forecast'];
  const modules = new Set<LocationModule>();
  for (const part of raw.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (!(LOCATION_MODULES as readonly string[]).includes(name)) {
      throw new InputError(
        `modules: unknown module '${part.trim()}' (known: ${LOCATION_MODULES.join(', ')})`,
      );
    }
    modules.add(name as LocationModule);
  }
  if (modules.size === 0)
    throw new InputError(`modules must name at least one of ${LOCATION_MODULES.join(', ')}`);
  return [...modules];
}

export type LocationData = { location: ResolvedLocation } & Partial<Record<LocationModule, unknown>>;

/**
 * `GET /api/location-data`: resolves the location (name, lat/lon, GNSS fix, configured default) and
 * fetches each module from Open-Meteo in parallel. A failing upstream fails the request, naming it.
 */
export async function locationData(
  query: LocationQuery,
  modules: LocationModule[],
  deps: LocationDeps,
): Promise<LocationData> {
  const location = await resolveLocation(await chooseLocation(query, deps), deps.openMeteo);
  const fetchers: Record<LocationModule, () => Promise<unknown>> = {
    forecast: () => deps.openMeteo.forecast(location),
    astronomy: () => deps.openMeteo.astronomy(location),
    air_quality: () => deps.openMeteo.airQuality(location),
  };
  const answers = await Promise.all(modules.map((m) => fetchers[m]()));
  const result: LocationData = { location };
  modules.forEach((m, i) => {
    result[m] = answers[i];
  });
  return result;
}
