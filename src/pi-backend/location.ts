import { InputError, PimeshError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Coordinates, OpenMeteo, Place } from './open-meteo.js';

/** pi_backend's message when there is neither a location in the request nor a GNSS fix. */
export const NO_LOCATION_MESSAGE = 'Failed to resolve location from any source.';

/** Where a request's location came from. */
export type LocationChoice =
  | { kind: 'name'; name: string; source: 'query' | 'default' }
  | ({ kind: 'coordinates'; source: 'coordinates' | 'gnss' } & Coordinates);

/** A location with coordinates and, when it was given by name, the place geocoding found. */
export interface ResolvedLocation extends Coordinates, Partial<Omit<Place, 'latitude' | 'longitude'>> {
  source: 'query' | 'default' | 'coordinates' | 'gnss';
  query?: string;
}

export interface LocationDeps {
  openMeteo: OpenMeteo;
  /** The node's GNSS fix, if it has one now. */
  gnssFix?: () => Promise<Coordinates | undefined>;
  /** Config `piBackend.defaultLocation`. */
  defaultLocation?: string;
  log?: Logger;
}

export interface LocationQuery {
  location?: string;
  lat?: string;
  lon?: string;
}

function coordinate(raw: string, field: 'lat' | 'lon', max: number): number {
  const value = /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(Math.abs(value) <= max)) throw new InputError(`${field} must be a number from -${max} to ${max}`);
  return value;
}

/**
 * The request's location: `location` (a place name), else `lat` + `lon`, else the GNSS fix, else
 * the configured default place; none of these is a 503 with pi_backend's message.
 */
export async function chooseLocation(query: LocationQuery, deps: LocationDeps): Promise<LocationChoice> {
  if (query.location !== undefined) {
    const name = query.location.trim();
    if (name === '' || name.startsWith(',') || name.length > 200) {
      throw new InputError(
        'location must be a place name such as "Tokyo" or "London,UK" (at most 200 characters)',
      );
    }
    return { kind: 'name', name, source: 'query' };
  }
  if (query.lat !== undefined || query.lon !== undefined) {
    if (query.lat === undefined) throw new InputError('lat is required with lon');
    if (query.lon === undefined) throw new InputError('lon is required with lat');
    return {
      kind: 'coordinates',
      source: 'coordinates',
      latitude: coordinate(query.lat, 'lat', 90),
      longitude: coordinate(query.lon, 'lon', 180),
    };
  }
  let fix: Coordinates | undefined;
  try {
    fix = await deps.gnssFix?.();
  } catch (error) {
    deps.log?.debug({ err: error }, 'no GNSS fix for the location');
  }
  if (fix && Number.isFinite(fix.latitude) && Number.isFinite(fix.longitude)) {
    return { kind: 'coordinates', source: 'gnss', latitude: fix.latitude, longitude: fix.longitude };
  }
  if (deps.defaultLocation) return { kind: 'name', name: deps.defaultLocation, source: 'default' };
  throw new PimeshError(NO_LOCATION_MESSAGE, { code: 'ERR_NO_LOCATION', status: 503 });
}

/** Coordinates for a choice: a name is geocoded through Open-Meteo; an unknown place is a 404. */
export async function resolveLocation(
  choice: LocationChoice,
  openMeteo: OpenMeteo,
): Promise<ResolvedLocation> {
  if (choice.kind === 'coordinates') {
    return { source: choice.source, latitude: choice.latitude, longitude: choice.longitude };
  }
  const place = await openMeteo.geocode(choice.name);
  if (!place) {
    throw new PimeshError(`location '${choice.name}' not found`, {
      code: 'ERR_LOCATION_NOT_FOUND',
      status: 404,
    });
  }
  return { source: choice.source, query: choice.name, ...place };
}
