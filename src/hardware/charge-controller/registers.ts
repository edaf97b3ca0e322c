import type { TracerColumn, TracerReading } from './types.js';

/**
 * The EPEver Tracer input registers the Solar Protocol logger reads, as data. Two requests (function 0x04):
 * 16 registers at 0x3100 and 2 at 0x311A. Offsets are the ones the original Python logger uses
 * (load at offsets 8-10 of the first block, power low/high words kept as separate columns).
 */
export const TRACER_BLOCKS = [
  { address: 0x3100, count: 16 },
  { address: 0x311a, count: 2 },
] as const;

export interface RegisterField {
  column: TracerColumn;
  /** Index into TRACER_BLOCKS. */
  block: 0 | 1;
  /** Register offset inside that block. */
  offset: number;
}

export const TRACER_REGISTER_MAP: readonly RegisterField[] = [
  { column: 'PV voltage', block: 0, offset: 0 },
  { column: 'PV current', block: 0, offset: 1 },
  { column: 'PV power L', block: 0, offset: 2 },
  { column: 'PV power H', block: 0, offset: 3 },
  { column: 'battery voltage', block: 0, offset: 4 },
  { column: 'battery current', block: 0, offset: 5 },
  { column: 'battery power L', block: 0, offset: 6 },
  { column: 'battery power H', block: 0, offset: 7 },
  { column: 'load voltage', block: 0, offset: 8 },
  { column: 'load current', block: 0, offset: 9 },
  { column: 'load power', block: 0, offset: 10 },
  { column: 'battery percentage', block: 1, offset: 0 },
];

/** Every column is `register / 100`, exactly as the Python logger's `reg / 100.0`. */
export function readingFromRegisters(
  block3100: readonly number[],
  block311a: readonly number[],
): TracerReading {
  const blocks = [block3100, block311a];
  const reading = {} as TracerReading;
  for (const { column, block, offset } of TRACER_REGISTER_MAP) {
    const raw = blocks[block][offset];
    if (raw === undefined) {
      throw new RangeError(
        `register block ${block} has ${blocks[block].length} registers, need offset ${offset}`,
      );
    }
    reading[column] = raw / 100;
  }
  return reading;
}
