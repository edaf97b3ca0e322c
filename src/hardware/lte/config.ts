import { z } from 'zod';

const devicePath = z
  .string({ error: 'must be a string' })
  .regex(/^\/[^\0]*$/, 'must be an absolute serial device path such as /dev/ttyUSB2');

const bcmPin = z
  .number({ error: 'must be a BCM GPIO number' })
  .int('must be a whole BCM GPIO number')
  .min(0, 'must be a BCM GPIO number 0-53')
  .max(53, 'must be a BCM GPIO number 0-53');

const ms = (max: number) =>
  z
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1, 'must be at least 1 ms')
    .max(max, `must be at most ${max} ms`);

/**
 * The LTE modem (pi_backend's `/api/hardware/lte/*`). Defaults from spec A: a SIM7600 4G HAT with
 * its USB AT port at /dev/ttyUSB2, PWRKEY on BCM 6 pulsed HIGH for 2 s, flight mode on BCM 4.
 */
export const lteConfigSchema = z
  .strictObject({
    /** The port `GET /api/hardware/lte/status` queries without `?port=`. */
    defaultPort: devicePath.default('/dev/ttyUSB2'),
    /**
     * The only other ports `?port=` may name (the status endpoint is public: it must not open any
     * file a caller names, nor write AT commands to the charge controller's port).
     */
    allowedPorts: z.array(devicePath).default(['/dev/ttyUSB2', '/dev/ttyUSB3', '/dev/ttyS0', '/dev/serial0']),
    baudRate: z.number({ error: 'must be a baud rate' }).int().positive().default(115200),
    /** How long one command's reply is read (pi_backend: 2 s). */
    commandTimeoutMs: ms(60_000).default(2000),
    /** How long `AT+CFUN=...` may take to answer. */
    cfunTimeoutMs: ms(120_000).default(10_000),
    /** `gpio`: the HAT's PWRKEY and flight pins; `at`: `AT+CFUN=4`/`=1` and `AT+CFUN=1,1` on defaultPort. */
    control: z.enum(['gpio', 'at'], { error: 'must be "gpio" or "at"' }).default('gpio'),
    /** BCM number of the PWRKEY pin. */
    powerPin: bcmPin.default(6),
    /** How long PWRKEY is held HIGH (Waveshare: 2 s to power on, 3 s to power off). */
    pulseMs: ms(10_000).default(2000),
    /** BCM number of the flight-mode pin. */
    flightPin: bcmPin.default(4),
    /** true: flight mode is HIGH on flightPin; false: LOW. */
    flightActiveHigh: z.boolean({ error: 'must be true or false' }).default(true),
    /**
     * How pins are driven: `gpiod`, libgpiod's tools on the GPIO character device (nothing to compile,
     * any kernel, the Pi 5); `onoff`, sysfs GPIO through the optional native onoff module.
     */
    gpioDriver: z.enum(['gpiod', 'onoff'], { error: 'must be "gpiod" or "onoff"' }).default('gpiod'),
    /** gpiod: the chip whose offsets the BCM numbers are (`gpiochip0`); default: lines named GPIO<n>. */
    gpioChip: z
      .string()
      .regex(/^[\w./-]{1,64}$/, { error: 'must be a chip name like gpiochip0' })
      .optional(),
    /**
     * onoff only: added to BCM numbers to get the sysfs GPIO number: 0 on older kernels, 512 on
     * Raspberry Pi OS kernels 6.6 and later (see /sys/class/gpio/gpiochip*\/base).
     */
    gpioBase: z.number({ error: 'must be a number' }).int().min(0).max(4096).default(0),
  })
  .prefault({});

export type LteConfig = z.output<typeof lteConfigSchema>;
