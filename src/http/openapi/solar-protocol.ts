/**
 * The original Solar Protocol endpoints. Their PHP-compatible parsers are not zod: these schemas
 * only describe the parameters (the first of value, line, day, systemInfo, networkInfo present wins).
 */
import { z } from 'zod';
import { ACCEPTED_VALUES } from '../../readings/solar-query.js';
import { nodeError, PHP_HTML, text } from './replies.js';
import type { Area, Operation } from './types.js';

const phpQuery = z.object({
  value: z
    .enum(ACCEPTED_VALUES as [string, ...string[]])
    .optional()
    .describe('A column of the newest row (with duration: of the last days); other names answer a help text'),
  duration: z.string().optional().describe('Days of values for `value=` (PHP intval: 0 is the newest only)'),
  line: z
    .string()
    .optional()
    .describe("A row of today's file: a number, `len` (row count) or `head` (the header)"),
  day: z
    .string()
    .optional()
    .describe("A whole day's file by name (tracerData2021-02-24.csv) or `len` / `list`"),
  systemInfo: z
    .string()
    .optional()
    .describe('`tz`, `color`, `name`, `description`, `location`, `city`, `country`, `wattage`, `dump`'),
  networkInfo: z
    .string()
    .optional()
    .describe('`deviceList` (names, time zones), and on opendata `tz`, `poe`, `timestamp`, `dump`'),
});

const opendataQuery = phpQuery.extend({
  server: z.string().optional().describe('A peer to ask through this node: 501 on this node for now'),
});

const PHP_ANSWER = {
  200: text('What the original PHP echoes, byte for byte (JSON or plain text, as text/html)', PHP_HTML),
  400: nodeError('A `day=` naming a path'),
  403: nodeError('`day=deviceList` while the device list is not public'),
};

const php = (
  path: string,
  summary: string,
  query: z.ZodObject,
  extra: Partial<Operation> = {},
): Operation => ({
  method: 'get',
  path,
  summary,
  query,
  responses: PHP_ANSWER,
  ...extra,
});

const gossipBody = z.object({
  api_key: z.string().describe('The network key (form field, as the original client sends it)'),
  stamp: z.string().describe('Epoch seconds of the post'),
  ip: z.string().describe("The peer's public address"),
  mac: z.string().describe("The peer's MAC address (its identity)"),
  name: z.string().describe("The peer's name"),
  tz: z.string().describe("The peer's time zone"),
  log: z.string().optional().describe("The peer's point-of-entry log"),
});

export const solarProtocolArea: Area = {
  tag: 'Solar Protocol',
  description:
    'The original public PV API and peer gossip, wire-compatible with the PHP: every answer is a 200 ' +
    'text/html with `Access-Control-Allow-Origin: *`, as the original Apache gives it',
  operations: [
    php('/api/v1/chargecontroller.php', 'Charge-controller readings (original v1)', phpQuery),
    php('/api/v1/opendata.php', 'Open data: readings, system and network info (v1)', opendataQuery, {
      responses: { ...PHP_ANSWER, 501: nodeError('`server=` is not available on this node yet') },
    }),
    php('/api/v2/opendata.php', 'Open data wrapped in JSON objects (v2)', opendataQuery, {
      responses: { ...PHP_ANSWER, 501: nodeError('`server=` is not available on this node yet') },
    }),
    php(
      '/api/v1/api.php',
      'Legacy value query: a column of the newest row, no whitelist',
      z.object({ value: z.string().optional().describe('A column name (`scaled-wattage` is scaled)') }),
      { responses: { 200: text('The value, or empty', PHP_HTML) } },
    ),
    {
      method: 'post',
      path: '/api/v1/api.php',
      summary: 'Peer gossip: a peer announces itself; answers the updated deviceList.json',
      description:
        'The network key travels in the form (`api_key`); a wrong or missing key is a 403 with the ' +
        "original's body, repeated failures a 429; nothing is written on any refusal.",
      body: { schema: gossipBody, type: 'application/x-www-form-urlencoded' },
      responses: {
        200: text('The whole updated deviceList.json (empty when the list was empty)', PHP_HTML),
        400: nodeError('A MAC, IP or stamp that is not one'),
        403: text('Wrong API Key provided.', PHP_HTML),
        413: nodeError('A body over 64 KiB'),
        429: nodeError('Too many wrong keys from this address (Retry-After)'),
      },
    },
  ],
  anyMethod: ['/api/v1/chargecontroller.php', '/api/v1/opendata.php', '/api/v2/opendata.php'].map((path) => ({
    path,
    summary: 'Any other method: an empty 200, as the PHP gives it',
  })),
};
