/**
 * A cron expression (seconds first) that fires every `seconds`, aligned to the clock, or undefined
 * when cron cannot express the interval evenly.
 */
export function cronEvery(seconds: number): string | undefined {
  if (!Number.isInteger(seconds) || seconds <= 0) return undefined;
  if (seconds < 60 && 60 % seconds === 0) return `*/${seconds} * * * * *`;
  if (seconds % 60 === 0 && seconds < 3600 && 60 % (seconds / 60) === 0) return `0 */${seconds / 60} * * * *`;
  if (seconds % 3600 === 0 && seconds <= 86400 && 24 % (seconds / 3600) === 0) {
    return seconds === 86400 ? '0 0 0 * * *' : `0 0 */${seconds / 3600} * * *`;
  }
  return undefined;
}
