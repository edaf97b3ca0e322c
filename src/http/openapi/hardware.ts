/** pi_backend's hardware endpoints: GNSS, LTE modem, Sense HAT. Missing hardware is a 503 naming it. */
import { z } from 'zod';
import { flightModeBody } from '../../hardware/lte/api-schemas.js';
import { ADMIN_REFUSALS, flatError, json } from './replies.js';
import type { Area } from './types.js';

const MISSING = flatError('The device or service is missing or does not answer (named)');

export const hardwareArea: Area = {
  tag: 'Hardware',
  description:
    "pi_backend's hardware API: reading is public, driving the modem needs the admin key; errors are " +
    '`{"error": "...", "code": "ERR_..."}`',
  operations: [
    {
      method: 'get',
      path: '/api/hardware/gps',
      summary: "gpsd's latest fix",
      responses: {
        200: json('fix_type, latitude, longitude, altitude_m, satellites used and in view'),
        503: flatError('gpsd off or unreachable, or stale GPS data'),
      },
    },
    {
      method: 'get',
      path: '/api/hardware/gps/status',
      summary: 'Whether gpsd.service is active, with connection details',
      responses: { 200: json('`{"gpsd.service": "active"|"inactive", "gpsd": {...}}`') },
    },
    {
      method: 'get',
      path: '/api/hardware/gps/uart',
      summary: 'Raw NMEA read from the UART, each sentence with checksum_ok',
      query: z.object({
        port: z.string().optional().describe('A configured port (gnss.uart.port or allowedPorts)'),
        seconds: z.string().optional().describe('How long to read, from 0.1 s to the configured maximum'),
      }),
      responses: {
        200: json('The sentences and the fix from the valid ones'),
        400: flatError('A bad parameter'),
        503: MISSING,
      },
    },
    {
      method: 'get',
      path: '/api/hardware/lte/status',
      summary: 'The modem: signal, registration, operator (AT+CSQ, AT+CREG?, AT+COPS?)',
      query: z.object({ port: z.string().optional().describe('The default port or an allowed one') }),
      responses: {
        200: json('Raw lines and `decoded` values'),
        400: flatError('A port not allowed'),
        503: MISSING,
      },
    },
    {
      method: 'post',
      path: '/api/hardware/lte/power-cycle',
      summary: 'Power-cycle the modem (PWRKEY pulse or AT+CFUN=1,1)',
      security: ['adminKey'],
      responses: { 200: json('`{"success": true, ...}`'), ...ADMIN_REFUSALS },
    },
    {
      method: 'post',
      path: '/api/hardware/lte/flight-mode',
      summary: 'Flight mode on or off (flight pin or AT+CFUN=4/1)',
      description: 'Validated with the schema shown: anything else is a 400 and nothing is driven.',
      body: { schema: flightModeBody },
      security: ['adminKey'],
      responses: {
        200: json('`{"success": true, "message": "Flight mode set to True."}`'),
        400: flatError("Request must be JSON with a boolean 'enable' key."),
        413: flatError('A body over 1 KiB'),
        ...ADMIN_REFUSALS,
      },
    },
    {
      method: 'get',
      path: '/api/hardware/sensehat',
      summary: 'Sense HAT sensors: temperature, pressure, humidity, orientation, accelerometer',
      responses: { 200: json('The reading'), 503: MISSING },
    },
  ],
};
