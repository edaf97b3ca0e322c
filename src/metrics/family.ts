/**
 * A metric family whose samples are computed when Prometheus scrapes, from counters the node already
 * keeps. It has the shape prom-client's Registry formats (`name`, `type`, `get()`), so the registry
 * writes the text format, escapes the labels and sits beside prom-client's own default metrics; but
 * unlike prom-client's Gauge it shows no sample at all when there is nothing to show (no reading yet,
 * a service that is off), where a Gauge without labels would print a misleading 0.
 */

export type Labels = Record<string, string | number>;

export interface Sample {
  value: number;
  labels?: Labels;
  /** For a histogram's `_bucket`, `_sum` and `_count` lines. */
  metricName?: string;
}

export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  get(): Promise<{ name: string; help: string; type: FamilyType; aggregator: 'sum'; values: Sample[] }>;
}

export function family(name: string, type: FamilyType, help: string, samples: () => Sample[]): Family {
  return {
    name,
    help,
    type,
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
  };
}

/** One sample, or none when the value is unknown. */
export function one(value: number | undefined, labels?: Labels): Sample[] {
  return value === undefined || !Number.isFinite(value) ? [] : [{ value, labels }];
}

/** A family over an optional source: no samples while the source is absent. */
export function from<T>(source: () => T | undefined, pick: (s: T) => Sample[]): () => Sample[] {
  return () => {
    const s = source();
    return s === undefined ? [] : pick(s);
  };
}

/** `'13.23'` -> 13.23; '' or anything else that is not a finite number -> undefined. */
export function cellNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
