/** pimesh's own endpoints: status, home page, jobs, election, and this documentation. */
import { z } from 'zod';
import { html, json, nodeError, text } from './replies.js';
import type { Area, Operation } from './types.js';

const LOCAL_ONLY =
  'Only from this machine, under one of its names, not through a proxy (used by the one-shot commands and cron).';

const job = (name: string, summary: string): Operation => ({
  method: 'post',
  path: `/api/jobs/${name}`,
  summary,
  description: LOCAL_ONLY,
  responses: {
    200: json('What the job did'),
    403: nodeError('Not from this machine'),
    503: nodeError('The job cannot run on this node (named)'),
  },
});

export const nodeArea: Area = {
  tag: 'Node',
  description:
    "This pimesh node: its status, home page, jobs, the point-of-entry election and this API's documentation",
  operations: [
    {
      method: 'get',
      path: '/',
      summary: "The node's home page",
      responses: { 200: html('Who this node is, where its readings come from, links to the API') },
    },
    {
      method: 'get',
      path: '/api/status',
      summary: 'Whether the node does its job, and where its readings come from',
      responses: {
        200: json('`status: ok`, name, version, uptime, time zone, the charge controller'),
        503: json('`status: degraded` with the reasons'),
      },
    },
    job('log-sample', 'Take a charge-controller sample now'),
    job('post-ip', 'One gossip round now'),
    job('check-ip', "Re-check this node's address and announce a change at once"),
    job('elect', 'One point-of-entry election round now'),
    job('peer-data', "Fetch the peers' readings now (network data)"),
    job('retention', 'Delete what is older than the retention limits now (daily otherwise)'),
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics: readings, peers, point of entry, gossip, HTTP, ingest, process',
      description:
        'Public unless `metrics.token` is set; then `Authorization: Bearer <token>` is required. Absent with `metrics.enabled: false`.',
      responses: {
        200: text('The Prometheus text format 0.0.4', 'text/plain; version=0.0.4; charset=utf-8'),
        401: nodeError('No token, or a wrong one (`ERR_METRICS_TOKEN`)'),
        429: nodeError('Too many wrong tokens from this address'),
      },
    },
    {
      method: 'get',
      path: '/api/election',
      summary: 'The point of entry: holder, the last round, the DNS updater and recent wins',
      description: "Peers' MACs and addresses are shown only to callers on this machine.",
      responses: { 200: json('The election state') },
    },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (text format)',
      description: 'Needs `Authorization: Bearer <token>` when metrics.token is set.',
      security: ['metricsToken'],
      responses: {
        200: text('The metrics', 'text/plain; version=0.0.4; charset=utf-8'),
        401: nodeError('No token, or a wrong one'),
        429: nodeError('Too many wrong tokens from this address'),
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document: OpenAPI 3.1, built from the routes the node registered',
      responses: {
        200: json('The OpenAPI document (ETag; 304 when unchanged)'),
        304: { description: 'Not modified' },
      },
    },
    {
      method: 'get',
      path: '/docs',
      summary: 'Interactive API documentation (Swagger UI, served from this node)',
      responses: { 200: html('The Swagger UI page') },
    },
    {
      method: 'get',
      path: '/docs/:file',
      summary: "The documentation page's files: Swagger UI's bundle and style, and its start script",
      params: z.object({ file: z.enum(['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js']) }),
      responses: {
        200: text('The file (ETag; 304 when unchanged)', 'text/javascript; charset=utf-8'),
        304: { description: 'Not modified' },
        404: nodeError('No such file'),
      },
    },
  ],
};
