/**
 * The TFG backend's detections API under /api/v1, FastAPI-shaped: errors `{"detail": ...}`, a 422
 * listing every problem. Its pydantic-compatible checks are hand-written (their 422 texts are the
 * original's); these schemas describe them.
 */
import { z } from 'zod';
import { LIMITS, ZONES } from '../../ingest/detections/rules.js';
import { detailError, json, text } from './replies.js';
import type { Area, Operation } from './types.js';

const API = '/api/v1';
const zone = z
  .string()
  .optional()
  .describe(`Only this zone (any case): ${ZONES.join(', ')}`);
const deviceId = z.string().optional().describe('Only this agent');
const READ: Operation['responses'] = {
  200: json('The answer'),
  401: detailError('A read key is configured and none was sent'),
  422: detailError('Every bad parameter, listed'),
  503: detailError('Detections are off'),
};
const WRITE: Operation['responses'] = {
  200: json('The stored item'),
  401: detailError('No X-API-Key'),
  403: detailError('A key that may not write this'),
  413: detailError('The body is over the limit'),
  422: detailError('Every problem of the body, listed'),
  429: detailError('Too many wrong keys from this address'),
  503: detailError('Detections are off'),
};
const hours = (name: string, fallback: number) =>
  z.object({ [name]: z.int().min(1).default(fallback).describe('How far back') });

const get = (
  path: string,
  summary: string,
  query?: z.ZodObject,
  extra: Partial<Operation> = {},
): Operation => ({
  method: 'get',
  path: `${API}${path}`,
  summary,
  query,
  responses: READ,
  ...extra,
});
const write = (
  method: 'post' | 'put',
  path: string,
  summary: string,
  extra: Partial<Operation> = {},
): Operation => ({
  method,
  path: `${API}${path}`,
  summary,
  security: ['detectionsKey'],
  responses: WRITE,
  ...extra,
});

const detection = z.object({
  device_hash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .describe('The hashed BLE address'),
  rssi: z.int().min(-127).max(0),
  zone: z.string().optional().describe('Ignored: the zone is classified from the RSSI'),
  timestamp: z.string().optional().describe('ISO 8601; default: now'),
});
const deviceInfo = {
  name: z.string().max(LIMITS.name).optional(),
  location: z.string().max(LIMITS.location).optional(),
};

const operations: Operation[] = [
  write('post', '/detections/bulk', "An agent's batch of detections", {
    body: {
      schema: z.object({
        device_id: z.string().max(LIMITS.deviceId),
        detections: z.array(detection.extend({ device_hash: z.string().max(LIMITS.hash) })),
      }),
    },
    responses: { ...WRITE, 200: json('`{message, device_id, count}`') },
  }),
  write('post', '/detections/', 'One detection', {
    query: z.object({ device_id: z.string().describe('The agent') }),
    body: { schema: detection },
  }),
  get(
    '/detections/recent',
    'The newest detections',
    z.object({ limit: z.int().min(1).max(1000).default(100), zone }),
  ),
  get('/detections/count', 'Unique devices over the last hours', hours('hours', 24).extend({ zone })),
  get(
    '/statistics/realtime',
    'Unique devices per zone over the last minutes',
    z.object({
      minutes: z.int().min(1).max(525_600).default(5),
      device_id: deviceId,
    }),
  ),
  get(
    '/statistics/range',
    'Figures between two instants',
    z.object({
      start_time: z.string().describe('ISO 8601'),
      end_time: z.string().describe('ISO 8601, after start_time'),
      device_id: deviceId,
    }),
  ),
  get(
    '/statistics/hourly',
    'Per hour of one day',
    z.object({ date: z.string().optional().describe('YYYY-MM-DD; default: today') }),
  ),
  get(
    '/statistics/daily',
    'Per day',
    z.object({
      start_date: z.string().optional(),
      end_date: z.string().optional(),
      days: z.int().min(1).max(3660).default(7),
    }),
  ),
  get('/statistics/distribution', 'RSSI distribution over the last hours', hours('hours', 24)),
  get(
    '/statistics/histogram',
    'Histogram over a range',
    z.object({
      range: z.enum(['hour', 'day', 'week']).default('hour'),
      device_id: deviceId,
    }),
  ),
  write('post', '/devices/register', 'Register an agent', {
    body: { schema: z.object({ device_id: z.string().min(1).max(LIMITS.deviceId), ...deviceInfo }) },
  }),
  get('/devices/', 'Every agent', z.object({ active_only: z.boolean().default(false) })),
  get('/devices/active', 'Agents seen recently', z.object({ threshold_minutes: z.int().min(1).default(60) })),
  get('/devices/:id', 'One agent', undefined, { responses: { ...READ, 404: detailError('No such agent') } }),
  get('/devices/:id/stats', "One agent's figures", undefined, {
    responses: { ...READ, 404: detailError('No such agent') },
  }),
  write('put', '/devices/:id', "Change an agent's name or location", {
    body: { schema: z.object(deviceInfo) },
  }),
  write('post', '/devices/:id/activate', 'Mark an agent active'),
  write('post', '/devices/:id/deactivate', 'Mark an agent inactive'),
  get(
    '/export/detections/csv',
    'Detections as CSV',
    z.object({
      zone,
      start_date: z.string().optional(),
      end_date: z.string().optional(),
      last_minutes: z.int().min(1).optional(),
      last_hours: z.int().min(1).optional(),
      last_days: z.int().min(1).optional(),
      device_id: deviceId,
    }),
    { responses: { ...READ, 200: text('The CSV (attachment)', 'text/csv; charset=utf-8') } },
  ),
  get('/settings/thresholds', 'The zone thresholds (dBm)'),
  write('put', '/settings/thresholds', 'Set the zone thresholds', {
    body: {
      schema: z.object({
        near_threshold: z.int().min(-127).max(-1),
        medium_threshold: z.int().min(-127).max(-1).describe('Below near_threshold'),
      }),
    },
    responses: { ...WRITE, 400: detailError('near_threshold is not above medium_threshold') },
  }),
  write('post', '/settings/thresholds/reset', 'Reset the thresholds to the configured defaults'),
];

/** FastAPI's redirect_slashes: the path with the trailing slash toggled is a 307 to the route. */
const slashTwins = [...new Set(operations.map((op) => op.path))]
  .map((path) => (path.endsWith('/') ? path.slice(0, -1) : `${path}/`))
  .filter((twin) => !operations.some((op) => op.path === twin))
  .map((path) => ({
    path,
    summary: `307 to the same path ${path.endsWith('/') ? 'without' : 'with'} the trailing slash (FastAPI's redirect_slashes), any method`,
  }));

export const detectionsArea: Area = {
  tag: 'Detections',
  dispatched: true,
  description:
    "The TFG backend's BLE detections API: agents write with their key (X-API-Key), dashboards read; " +
    'errors are `{"detail": ...}`',
  operations,
  anyMethod: slashTwins,
  unrouted: [
    {
      method: 'get',
      path: '/ws',
      summary: 'WebSocket (upgrade): detections and figures as they arrive',
      description: 'Served by the HTTP server itself (not a route) while detections are on.',
      responses: { 101: { description: 'Switching protocols' } },
    },
  ],
};
