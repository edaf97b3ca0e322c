/**
 * Energy-aware cadence, the original runner's rule (solar-protocol backend/runner.py, `setFreq()` and
 * `solarScaler()`): how many minutes between runs of gossip, election and peer data, from the battery
 * and the PV power. Pure: the readings come in, minutes and the reason go out.
 */
import type { CadenceConfig } from './cadence-config.js';

/** The jobs the cadence drives (the original runs them together each runner cycle). */
export const CADENCE_JOBS = ['post-ip', 'elect', 'peer-data'] as const;

export interface CadenceReadings {
  /** 0-100; undefined when there is no reading or it is not a number. */
  batteryPercent?: number;
  /** scaled-wattage; undefined when unknown. */
  pvWatts?: number;
}

export interface CadenceDecision {
  /** Minutes between runs: the battery step times the PV factor, rounded, at least 1. */
  minutes: number;
  /** The battery step alone. */
  baseMinutes: number;
  factor: number;
  /** Why, in a line: `battery 62 % (above 50 %, at most 70 %): 20 min; PV 0 W: x2 = 40 min`. */
  reason: string;
}

/** The runner's PV threshold: at or above it the pace is normal ("the max power draw is about 5w"). */
const FULL_PV_WATTS = 6;

const known = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);
const fmt = (n: number) => String(Number(n.toFixed(3)));

/** The interval for these readings under `rule`. */
export function cadenceMinutes(readings: CadenceReadings, rule: CadenceConfig): CadenceDecision {
  const { batteryPercent: battery, pvWatts: pv } = readings;
  let base: number;
  let why: string;
  if (!known(battery)) {
    base = rule.unknownMinutes;
    why = 'battery unknown';
  } else {
    const i = rule.steps.findIndex((s) => battery > s.abovePercent);
    const last = rule.steps[rule.steps.length - 1];
    if (i === -1) {
      base = rule.lowMinutes;
      why = `battery ${fmt(battery)} % (at most ${last.abovePercent} %)`;
    } else {
      base = rule.steps[i].minutes;
      const below = i === 0 ? '' : `, at most ${rule.steps[i - 1].abovePercent} %`;
      why = `battery ${fmt(battery)} % (above ${rule.steps[i].abovePercent} %${below})`;
    }
  }
  const [factor, pvWhy] = pvFactor(pv, rule.pv);
  const minutes = Math.max(1, Math.round(base * factor));
  const reason =
    pvWhy === undefined
      ? `${why}: ${base} min`
      : `${why}: ${base} min; ${pvWhy}: x${fmt(factor)} = ${minutes} min`;
  return { minutes, baseMinutes: base, factor, reason };
}

/**
 * The runner's `solarScaler()`: >= 6 W x1, above 0 x(1 + (1 - W/5)), exactly 0 x2, unreadable x1.
 * Its formula divides by 5, not 6, so 5-6 W gives a factor just under 1 (5.5 W: x0.9); kept as the
 * code has it. A negative reading matched no branch there (the runner crashed); here it is unknown.
 */
function pvFactor(pv: number | undefined, mode: CadenceConfig['pv']): [number, string | undefined] {
  if (mode === 'off') return [1, undefined];
  if (!known(pv) || pv < 0) return [1, 'PV unknown'];
  if (pv === 0) return [2, 'PV 0 W'];
  if (mode === 'double' || pv >= FULL_PV_WATTS) return [1, `PV ${fmt(pv)} W`];
  return [1 + (1 - pv / 5), `PV ${fmt(pv)} W (under ${FULL_PV_WATTS} W)`];
}

/** A reading as the runner's `float()` takes it: a plain decimal number, or undefined. */
export function parseReading(text: string | undefined): number | undefined {
  const t = text?.trim() ?? '';
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/**
 * The readings the rule takes, from the newest charge-controller row: `battery-percentage` (a
 * fraction, 0.9, as the tracer stores it) and `scaled-wattage` (what the runner reads), plus the
 * row's `datetime`. 0.9 becomes 90 %, not 90.00000000000001 %, so the boundaries hold.
 */
export function cadenceReadings(latest: (value: string) => string): CadenceReadings & { at?: string } {
  const fraction = parseReading(latest('battery-percentage'));
  const at = latest('datetime');
  return {
    batteryPercent: fraction === undefined ? undefined : Number((fraction * 100).toPrecision(12)),
    pvWatts: parseReading(latest('scaled-wattage')),
    at: at === '' ? undefined : at,
  };
}
