/** pi_backend's endpoints that need no hardware driver: version, keys, data, weather, the poller. */
import { z } from 'zod';
import { dataBody, keyBody } from '../../pi-backend/api-schemas.js';
import { ADMIN_REFUSALS, flatError, json } from './replies.js';
import type { Area } from './types.js';

const location = {
  location: z
    .string()
    .optional()
    .describe('A place name (geocoded by Open-Meteo); default: the GNSS fix, then the configured place'),
  lat: z.string().optional().describe('Latitude, with lon, instead of a place name'),
  lon: z.string().optional().describe('Longitude, with lat'),
};

export const piBackendArea: Area = {
  tag: 'pi_backend',
  description:
    'pi_backend v2.2.0\'s API, in its shapes: errors are `{"error": "...", "code": "ERR_..."}`; ' +
    'writes need the admin key in X-API-Key',
  operations: [
    {
      method: 'get',
      path: '/api/version',
      summary: "pi_backend's API version",
      responses: { 200: json('`{"version":"2.2.0"}`', z.object({ version: z.string() })) },
    },
    {
      method: 'post',
      path: '/api/keys',
      summary: 'Save an API key in the owner-only keys file',
      description: 'Validated with the schema shown; a bad field is a 400 naming it and nothing is written.',
      body: { schema: keyBody },
      security: ['adminKey'],
      responses: {
        200: json(
          'Saved (the value is never answered)',
          z.object({ success: z.boolean(), message: z.string() }),
        ),
        400: flatError('A field is missing or invalid (named), or the body is not a JSON object'),
        415: flatError('The body is not sent as JSON'),
        ...ADMIN_REFUSALS,
      },
    },
    {
      method: 'get',
      path: '/api/hardware/cpu',
      summary: 'CPU usage',
      responses: { 200: json('`{"cpu_usage_percent"}`') },
    },
    {
      method: 'get',
      path: '/api/hardware/memory',
      summary: 'Memory usage',
      responses: { 200: json('`{"memory_usage_percent"}`') },
    },
    {
      method: 'post',
      path: '/api/data',
      summary: 'Store a string',
      description:
        'Validated with the schema shown; a bad body is a 400 naming the field and nothing is stored.',
      body: { schema: dataBody },
      security: ['adminKey'],
      responses: {
        201: json('Stored', z.object({ success: z.boolean(), id: z.number().int(), timestamp: z.string() })),
        400: flatError('No data, not a string, or over 64 KiB'),
        413: flatError('The body is over the limit'),
        415: flatError('The body is not sent as JSON'),
        ...ADMIN_REFUSALS,
      },
    },
    {
      method: 'get',
      path: '/api/data',
      summary: 'The stored strings, oldest first',
      query: z.object({
        limit: z.int().min(1).max(100_000).optional().describe('Only the newest n entries'),
      }),
      responses: {
        200: json('`[{id, timestamp, data}]`'),
        400: flatError('A bad limit'),
      },
    },
    {
      method: 'get',
      path: '/api/location-data',
      summary: 'Place and Open-Meteo forecast (astronomy, air quality)',
      query: z.object({
        ...location,
        modules: z.string().optional().describe('Comma-separated modules to include'),
      }),
      responses: {
        200: json('The place and the requested modules'),
        400: flatError('A bad parameter'),
        404: flatError('Unknown place'),
        503: flatError('No location from any source, or the upstream failed'),
      },
    },
    {
      method: 'get',
      path: '/api/weather-data',
      summary: 'Weather from each requested service',
      query: z.object({
        ...location,
        services: z.string().optional().describe('`open-meteo`, `openweather` (comma-separated)'),
      }),
      responses: {
        200: json('One entry per service'),
        400: flatError('A bad parameter'),
        503: flatError('No location from any source'),
      },
    },
    {
      method: 'get',
      path: '/api/polled',
      summary: 'What the poller stored for one source, oldest first',
      query: z.object({
        source: z.string().describe('The source: gps, weather, climate, system, sensehat, lte'),
        since: z.string().optional().describe('ISO 8601 time or epoch seconds'),
        limit: z.int().min(1).max(1000).default(100).describe('The newest n records'),
      }),
      responses: {
        200: json('`[{timestamp, source, data}]`'),
        400: flatError('A missing or bad parameter'),
        404: flatError('No such source'),
      },
    },
  ],
};
