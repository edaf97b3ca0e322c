/**
 * piStat's system monitor. Its module dispatches these paths itself (one pattern route), so the
 * document lists them from here; each carries piStat's security headers and rate limit.
 */
import { z } from 'zod';
import { flatError, html, json } from './replies.js';
import type { Area, Operation } from './types.js';

const LIMITED = { 429: flatError('Over the rate limit (Retry-After)') };

const get = (path: string, summary: string, extra: Partial<Operation> = {}): Operation => ({
  method: 'get',
  path,
  summary,
  responses: { 200: json(summary), ...LIMITED },
  ...extra,
});

export const systemMonitorArea: Area = {
  tag: 'System monitor',
  dispatched: true,
  description:
    "piStat's system monitor API: JSON, sizes in bytes, times in seconds, clocks in Hz; rate-limited, " +
    'gzipped over the threshold',
  operations: [
    get(
      '/stats',
      'System figures: CPU, memory, swap, disk and I/O, uptime, load, network, hardware (Pi: gpu, power, clocks)',
      {
        query: z.object({
          block: z.enum(['true', 'false']).optional().describe('true: measure CPU usage over 1 s'),
          cache: z.enum(['true', 'false']).optional().describe('false: bypass the cache'),
          fields: z.string().optional().describe('Keep only these top-level keys (comma-separated)'),
        }),
      },
    ),
    get('/processes', 'Processes, sorted', {
      query: z.object({
        sort: z.enum(['cpu', 'memory', 'name', 'pid', 'time']).default('cpu'),
        limit: z.int().min(1).max(100).default(10),
      }),
      responses: { 200: json('processes[] and timestamp'), 400: flatError('A bad limit'), ...LIMITED },
    }),
    get('/network/interfaces', 'Counters per network interface (except lo) and active connections'),
    get('/storage/devices', 'Mounted devices with total, used, free and percent; disk I/O'),
    get('/health', 'Health: status (healthy or degraded, with reasons), uptime, memory usage, version', {
      responses: {
        200: json('Always 200 while the process serves'),
        500: flatError('unhealthy'),
        ...LIMITED,
      },
    }),
    get('/metrics/history', 'Historical metrics (not implemented: a message)'),
    get('/system/config', 'Platform and the effective settings of this API'),
    get(
      '/api/system',
      'An index of every endpoint of this node (HTML, no script), generated from this document',
      {
        responses: { 200: html('The index page'), ...LIMITED },
      },
    ),
  ],
};
