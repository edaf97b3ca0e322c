/** The LAN sensor boards' API (poe-backend). 503 while the listener is off. */
import { z } from 'zod';
import { SENSOR_TYPES } from '../../ingest/lan-sensors/frame-codec.js';
import { json, nodeError, text } from './replies.js';
import type { Area, Operation } from './types.js';

const filter = {
  board: z.string().optional().describe('Only this board (an IP address such as 10.89.21.188)'),
  sensor: z
    .string()
    .optional()
    .describe(`Only this sensor type (any case): ${SENSOR_TYPES.join(', ')}`),
};
const OFF = nodeError('The listener is off (sensors.port)');

const get = (path: string, summary: string, extra: Partial<Operation> = {}): Operation => ({
  method: 'get',
  path,
  summary,
  responses: { 200: json(summary), 503: OFF },
  ...extra,
});

export const lanSensorsArea: Area = {
  tag: 'LAN sensors',
  description: "poe-backend's sensor boards on the LAN: latest values, history, connections, live stream",
  operations: [
    get('/api/sensors/latest', "Each sensor's latest reading and status", {
      query: z.object(filter),
      responses: { 200: json('`{readings: [...]}`'), 400: nodeError('A bad board or sensor'), 503: OFF },
    }),
    get('/api/sensors/history', 'Readings over a range, raw or avg/min/max per step', {
      query: z.object({
        from: z.string().optional().describe('ISO 8601 or epoch seconds; default: an hour before `to`'),
        to: z.string().optional().describe('ISO 8601 or epoch seconds; default: now'),
        step: z.string().optional().describe('Bucket size: seconds or 30s, 5m, 1h, 1d'),
        ...filter,
      }),
      responses: { 200: json('`{from, to, step, series}`'), 400: nodeError('A bad parameter'), 503: OFF },
    }),
    get('/api/sensors/connections', 'The boards connected now, with last seen'),
    get('/api/sensors/counters', 'Frames, rejections, connections, commits, alerts'),
    get('/api/sensors/live', 'Server-Sent Events: a snapshot, then readings and status changes', {
      responses: {
        200: text('The event stream', 'text/event-stream; charset=utf-8'),
        503: nodeError('The listener is off, or too many live clients'),
      },
    }),
  ],
};
