import { z } from 'zod';

/** pi_backend's answer to any body that is not `{"enable": true|false}`. */
export const ENABLE_MESSAGE = "Request must be JSON with a boolean 'enable' key.";

/** `POST /api/hardware/lte/flight-mode`: validated with this schema, documented from it. */
export const flightModeBody = z.object({
  enable: z.boolean({ error: ENABLE_MESSAGE }).describe('true: flight mode on (radio off); false: off'),
});
