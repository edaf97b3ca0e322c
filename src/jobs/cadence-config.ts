import { z } from 'zod';

/** The original runner's battery steps (backend/runner.py `setFreq()`): strictly above → minutes. */
export const ORIGINAL_STEPS = [
  { abovePercent: 90, minutes: 10 },
  { abovePercent: 70, minutes: 15 },
  { abovePercent: 50, minutes: 20 },
  { abovePercent: 30, minutes: 30 },
] as const;

const minutes = z
  .number({ error: 'must be a number of minutes' })
  .int('must be a whole number of minutes')
  .min(1, 'must be at least 1 minute')
  .max(1440, 'must be at most 1440 minutes (a day)');

/**
 * `schedule.cadence`: how often gossip (`post-ip`), `elect` and `peer-data` run, from the battery
 * and the PV power, as the original's runner did. A leaf file: the config schema loads it.
 */
export const cadenceConfigSchema = z
  .strictObject({
    /** Off: those jobs keep their fixed intervals (network.gossipIntervalSeconds, election.intervalSeconds). */
    enabled: z.boolean({ error: 'must be on or off' }).default(true),
    /** Highest first: a battery strictly above `abovePercent` runs every `minutes`. */
    steps: z
      .array(
        z.strictObject({
          abovePercent: z.number({ error: 'must be a percentage' }).min(0).max(100),
          minutes,
        }),
      )
      .min(1, 'needs at least one step')
      .refine(
        (steps) => steps.every((s, i) => i === 0 || s.abovePercent < steps[i - 1].abovePercent),
        'abovePercent must fall from one step to the next (highest first)',
      )
      .default(ORIGINAL_STEPS.map((s) => ({ ...s }))),
    /** At or below the last step (the original: 60). */
    lowMinutes: minutes.default(60),
    /** No battery reading, or not a number (the original: 20). */
    unknownMinutes: minutes.default(20),
    /**
     * The PV factor on top: `original` (scaled-wattage >= 6 W x1, between 0 and 6 W x(2 - W/5),
     * 0 W x2), `double` (only 0 W doubles) or `off`.
     */
    pv: z
      .enum(['original', 'double', 'off'], { error: 'must be "original", "double" or "off"' })
      .default('original'),
  })
  .prefault({});

export type CadenceConfig = z.output<typeof cadenceConfigSchema>;
