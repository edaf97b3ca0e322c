import type { TracerReading } from '../../src/hardware/charge-controller/types.js';

/** The fixture's newest row as a reading. */
export const READING: TracerReading = {
  'PV voltage': 13.23,
  'PV current': 0.09,
  'PV power L': 1.32,
  'PV power H': 0,
  'battery voltage': 12,
  'battery current': 0.11,
  'battery power L': 1.32,
  'battery power H': 0,
  'load voltage': 12,
  'load current': 0.22,
  'load power': 2.64,
  'battery percentage': 0.33,
};

export const READING_CELLS = '13.23,0.09,1.32,0.0,12.0,0.11,1.32,0.0,12.0,0.22,2.64,0.33';
