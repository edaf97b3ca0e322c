/**
 * `/metrics` settings (`metrics` in the config). A leaf file (zod only).
 *
 * On by default and public unless a token is set: everything it shows is already public on a Solar
 * Protocol node (the PV readings through chargecontroller.php, the point of entry through
 * networkInfo=poe) or is harmless operational data (counts, latencies, memory); no peer address, MAC
 * or key is ever a label. A steward who wants it private sets a token and gives it to Prometheus.
 */
import { z } from 'zod';

/** Printable ASCII without spaces: what an `Authorization: Bearer` header can carry as it is. */
const TOKEN = /^[\x21-\x7e]+$/;

export const metricsConfigSchema = z
  .strictObject({
    /** `PIMESH_METRICS`: serve `GET /metrics` (off: it is a 404 like any unknown path). */
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    /** `PIMESH_METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <token>`. */
    token: z
      .string()
      .min(16, 'must be at least 16 characters (a scraper keeps it; make it long)')
      .max(1024)
      .regex(TOKEN, 'must be printable ASCII without spaces')
      .optional(),
  })
  .prefault({});

export type MetricsConfig = z.output<typeof metricsConfigSchema>;
