/**
 * The original's low-power switch. backend/createHTML/create_html.py read the `battery percentage`
 * cell of the newest row of today's tracerData CSV (a fraction 0-1, EPEver register 0x311A / 100)
 * and rendered index.html from index-small.html below a threshold (0.65 in 2020, 0.50 later),
 * index-large.html otherwise. The node reads the same cell through SolarAnswers.latest().
 */

/** The battery's state of charge as a fraction 0-1, or undefined when there is no usable reading. */
export function batteryFraction(cell: string): number | undefined {
  // '' (no file today), the header name (a file holding only its header) or any other text: unknown.
  if (!/^\s*\d+(\.\d+)?\s*$/.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** Below the threshold: serve the low-power page. An unknown battery is never low power. */
export function isLowPower(fraction: number | undefined, belowPercent: number): boolean {
  // Divided, not multiplied: 29 / 100 is the same double as the cell 0.29, so 29 % is not below 29.
  return fraction !== undefined && fraction < belowPercent / 100;
}
