/** The node's dashboard (readings, charts, live updates) and its JSON. */
import { z } from 'zod';
import { html, json, nodeError, text } from './replies.js';
import type { Area, Operation } from './types.js';

const mode = z.object({
  lite: z.string().optional().describe('Present: the light page (no charts), as on low battery'),
  full: z.string().optional().describe('Present: the full page, whatever the battery'),
});
const asset = (path: string, summary: string, type: string): Operation => ({
  method: 'get',
  path,
  summary,
  query: z.object({ v: z.string().optional().describe('A version stamp: cached for a year when given') }),
  responses: { 200: text(summary, type) },
});

export const dashboardArea: Area = {
  tag: 'Dashboard',
  description: "The node's dashboard: its readings, charts and live updates",
  operations: [
    {
      method: 'get',
      path: '/dashboard',
      summary: "The dashboard page: this node's readings, battery and the mesh",
      query: mode,
      responses: { 200: html('The page') },
    },
    {
      method: 'get',
      path: '/dashboard/charts',
      summary: "The dashboard's charts (HTML fragment)",
      responses: { 200: html('The charts') },
    },
    asset('/dashboard.css', "The dashboard's style", 'text/css; charset=utf-8'),
    asset('/dashboard.js', "The dashboard's script", 'text/javascript; charset=utf-8'),
    {
      method: 'get',
      path: '/api/dashboard',
      summary: 'What the dashboard shows, as JSON',
      query: mode,
      responses: { 200: json('The dashboard view') },
    },
    {
      method: 'get',
      path: '/api/dashboard/live',
      summary: 'Server-Sent Events: each new sample',
      responses: {
        200: text('The event stream', 'text/event-stream; charset=utf-8'),
        503: nodeError('Too many live clients'),
      },
    },
  ],
};
