import { z } from 'zod';

/** The Sense HAT, read through the kernel's IIO drivers (dtoverlay=rpi-sense loads them). */
export const senseHatConfigSchema = z
  .strictObject({
    /** Where sysfs is mounted; tests point it at a fixture tree. */
    sysfsRoot: z
      .string({ error: 'must be a string' })
      .regex(/^\//, 'must be an absolute path such as /sys')
      .default('/sys'),
    /** Per sysfs read (a raw read is an I2C transaction in the driver). */
    readTimeoutMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(1, 'must be at least 1 ms')
      .max(60_000, 'must be at most 60000 ms')
      .default(1000),
  })
  .prefault({});

export type SenseHatConfig = z.output<typeof senseHatConfigSchema>;
