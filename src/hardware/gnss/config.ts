import { z } from 'zod';

const port = z.number({ error: 'must be a port number 1-65535' }).int().min(1).max(65535);
const ms = (max: number) =>
  z
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(10, 'must be at least 10 ms')
    .max(max, `must be at most ${max} ms`);

/** The `gnss` section: gpsd (pi_backend's /api/hardware/gps) and the raw NMEA UART (/gps/uart). */
export const gnssConfigSchema = z
  .strictObject({
    /** No TPV from gpsd for longer than this: "Stale GPS data" (pi_backend: 10 s). */
    staleAfterSeconds: z
      .number({ error: 'must be a number of seconds' })
      .positive('must be more than 0')
      .max(3600, 'must be at most 3600')
      .default(10),
    gpsd: z
      .strictObject({
        /** Off: the node does not talk to gpsd and /api/hardware/gps answers 503. */
        enabled: z.boolean({ error: 'must be true or false' }).default(true),
        host: z.string({ error: 'must be a host name or address' }).min(1).default('127.0.0.1'),
        port: port.default(2947),
        /** TCP connect plus gpsd's greeting. */
        connectTimeoutMs: ms(60_000).default(3000),
        /** Silence this long: probe with ?VERSION; silence again: reconnect. */
        idleProbeMs: ms(600_000).default(10_000),
        reconnectMinMs: ms(600_000).default(1000),
        reconnectMaxMs: ms(600_000).default(30_000),
      })
      .refine((g) => g.reconnectMaxMs >= g.reconnectMinMs, {
        message: 'must be at least reconnectMinMs',
        path: ['reconnectMaxMs'],
      })
      .prefault({}),
    uart: z
      .strictObject({
        /** The receiver's serial port (pi_backend: /dev/serial0, earlier /dev/ttyS0). */
        port: z
          .string({ error: 'must be a serial device path' })
          .startsWith('/', 'must be an absolute serial device path such as /dev/serial0')
          .default('/dev/serial0'),
        /** The only other ports `?port=` may name (the endpoint is public: it must not open any file). */
        allowedPorts: z
          .array(
            z
              .string({ error: 'must be a serial device path' })
              .regex(/^\/dev\/[A-Za-z0-9._/-]+$/, 'must be a device path under /dev')
              .refine((p) => !p.includes('..'), 'must not contain ..'),
          )
          .default(['/dev/ttyS0', '/dev/ttyAMA0']),
        baudRate: z.number({ error: 'must be a baud rate' }).int().positive().default(9600),
        /** How long one request reads when it names no `seconds`. */
        readMs: ms(60_000).default(2000),
        /** The most a request may ask for with `?seconds=`. */
        maxReadMs: ms(60_000).default(10_000),
        /** Stop reading after this many sentences. */
        maxSentences: z.number().int().min(1).max(1000).default(100),
      })
      .refine((u) => u.readMs <= u.maxReadMs, { message: 'must be at most maxReadMs', path: ['readMs'] })
      .prefault({}),
    /** Ask `systemctl is-active gpsd.service` for /api/hardware/gps/status (else: the gpsd connection). */
    systemctl: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .prefault({});

export type GnssConfig = z.output<typeof gnssConfigSchema>;
