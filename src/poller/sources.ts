import type { Logger } from '../log.js';
import type { PiBackendConfig, WeatherService } from '../pi-backend/config.js';
import type { PiBackend } from '../pi-backend/index.js';
import { chooseLocation, resolveLocation } from '../pi-backend/location.js';
import { weatherData } from '../pi-backend/weather.js';
import type { PollSource } from './poller.js';
import type { PollSourceName } from './poller-config.js';

export type PollFunctions = Partial<Record<PollSourceName, () => Promise<unknown>>>;

/** pi_backend stored a GPS poll only when it had a `latitude` and no `error`. */
export function isGpsFix(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const record = data as Record<string, unknown>;
  return record.latitude !== undefined && record.latitude !== null && !('error' in record);
}

/**
 * The poll sources for the intervals that are on. A source that is on but has no function on this
 * node (no Sense HAT driver, say) is left out with a warning.
 */
export function buildPollSources(
  intervals: Map<PollSourceName, number>,
  fns: PollFunctions,
  log: Logger,
): PollSource[] {
  const sources: PollSource[] = [];
  for (const [name, everySeconds] of intervals) {
    const poll = fns[name];
    if (!poll) {
      log.warn({ source: name }, 'poller_config.ini polls a source this node does not have; left out');
      continue;
    }
    sources.push({ name, everySeconds, poll, ...(name === 'gps' ? { accept: isGpsFix } : {}) });
  }
  return sources;
}

/**
 * The polls the pi_backend part can do itself: `weather` (the configured services for the request-less
 * location: GNSS fix, else `piBackend.defaultLocation`), `climate` (Open-Meteo's climate API for the same
 * place) and `system` (CPU and memory). gps, sensehat and lte come from their drivers.
 */
export function piBackendPolls(
  backend: PiBackend,
  options: { weatherServices: WeatherService[]; climate: PiBackendConfig['climate']; clock?: () => number },
): Pick<PollFunctions, 'weather' | 'climate' | 'system'> {
  const clock = options.clock ?? Date.now;
  return {
    weather: () => weatherData({}, options.weatherServices, backend.weather),
    climate: async () => {
      const location = await resolveLocation(
        await chooseLocation({}, backend.weather),
        backend.weather.openMeteo,
      );
      const climate = await backend.weather.openMeteo.climate(location, {
        model: options.climate.model,
        days: options.climate.windowDays,
        now: clock(),
      });
      return { location, climate };
    },
    system: async () => {
      const [cpu, memory] = await Promise.all([backend.system.cpu(), backend.system.memory()]);
      return { ...cpu, ...memory };
    },
  };
}
