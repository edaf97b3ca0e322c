import { join } from 'node:path';
import { z } from 'zod';

/** The weather services `/api/weather-data?services=` and the poller may name. */
export const WEATHER_SERVICES = ['open-meteo', 'openweather'] as const;
export type WeatherService = (typeof WEATHER_SERVICES)[number];

/** Open-Meteo's downscaled CMIP6 climate models (https://open-meteo.com/en/docs/climate-api). */
export const CLIMATE_MODELS = [
  'CMCC_CM2_VHR4',
  'FGOALS_f3_H',
  'HiRAM_SIT_HR',
  'MRI_AGCM3_2_S',
  'EC_Earth3P_HR',
  'MPI_ESM1_2_XR',
  'NICAM16_8S',
] as const;

const baseUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.open-meteo.com' })
    .default(fallback);

/** Upstream web services; tests and private mirrors point them elsewhere. */
const upstreamsSchema = z
  .strictObject({
    geocoding: baseUrl('https://geocoding-api.open-meteo.com'),
    forecast: baseUrl('https://api.open-meteo.com'),
    airQuality: baseUrl('https://air-quality-api.open-meteo.com'),
    climate: baseUrl('https://climate-api.open-meteo.com'),
    openWeather: baseUrl('https://api.openweathermap.org'),
  })
  .prefault({});

/** The pi_backend compatible endpoints (`piBackend` in the config). */
export const piBackendConfigSchema = z
  .strictObject({
    /** INI file of API keys, section [API_KEYS], mode 0600; default `<dataDir>/API.keys`. */
    keysFile: z.string().min(1).optional(),
    /** `POST /api/data` entries, one JSON line each; default `<dataDir>/data-entries.jsonl`. */
    dataFile: z.string().min(1).optional(),
    /**
     * A place name (e.g. "Berlin" or "London,UK") used when a request names none and there is no
     * GNSS fix, and by the weather and climate polls. None: such requests answer 503.
     */
    defaultLocation: z.string().min(1).max(200).optional(),
    /** Per upstream request. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    upstreams: upstreamsSchema,
    climate: z
      .strictObject({
        model: z
          .enum(CLIMATE_MODELS, { error: `must be one of ${CLIMATE_MODELS.join(', ')}` })
          .default('EC_Earth3P_HR'),
        /** Days from today that one climate poll asks for (the API covers up to 2050-12-31). */
        windowDays: z.number().int().min(1).max(3660).default(30),
      })
      .prefault({}),
  })
  .prefault({});

export type PiBackendConfig = z.output<typeof piBackendConfigSchema>;
export type UpstreamUrls = PiBackendConfig['upstreams'];

/** The files the pi_backend endpoints use, with the `<dataDir>` defaults filled in. */
export function piBackendPaths(
  config: PiBackendConfig,
  dataDir: string,
): { keysFile: string; dataFile: string } {
  return {
    keysFile: config.keysFile ?? join(dataDir, 'API.keys'),
    dataFile: config.dataFile ?? join(dataDir, 'data-entries.jsonl'),
  };
}
