/**
 * The Prometheus registry of one node, built at its first scrape (the only module that loads
 * prom-client): prom-client's default process and Node.js metrics (`process_*`, `nodejs_*`) and the
 * node's own families, all computed at collect time.
 */
import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';
import { nodeFamilies } from './families.js';
import { ingestFamilies } from './ingest-families.js';
import type { RequestStats } from './request-stats.js';
import type { MetricsSources } from './sources.js';

export class MetricsRegistry {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  readonly #registry = new Registry();

  constructor(sources: MetricsSources, requests: RequestStats) {
    collectDefaultMetrics({ register: this.#registry });
    for (const f of [...nodeFamilies(sources, requests), ...ingestFamilies(sources)]) {
      this.#registry.registerMetric(f as unknown as Metric);
    }
  }

  /** The exposition text (format 0.0.4). */
  text(): Promise<string> {
    return this.#registry.metrics();
  }
}
