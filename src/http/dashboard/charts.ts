/**
 * Hand-drawn SVG charts, rendered on the server: a line per series, gaps where there was no sample,
 * a few labelled ticks. No library, no script: the charts show with JavaScript off, and one chart is
 * a couple of kilobytes.
 */
import type { Series } from './series.js';

const W = 600;
const H = 150;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

export interface Line {
  values: readonly (number | null)[];
  /** A CSS class (its colour is in the style sheet). */
  cls: string;
  label: string;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const pad2 = (n: number) => String(n).padStart(2, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function path(values: readonly (number | null)[], x: (i: number) => number, y: (v: number) => number) {
  let d = '';
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${r1(x(i))} ${r1(y(v))}`;
    drawing = true;
  });
  return d;
}

/** Ticks on the time axis: every 6 h over a day, each local midnight over a week. */
function timeTicks(series: Series): { at: number; label: string }[] {
  const ticks: { at: number; label: string }[] = [];
  const week = series.to - series.from > 2 * 86_400_000;
  const start = new Date(series.from);
  start.setMinutes(0, 0, 0);
  for (let t = new Date(start); t.getTime() <= series.to; t.setHours(t.getHours() + 1)) {
    const h = t.getHours();
    if (t.getTime() < series.from) continue;
    if (week ? h === 0 : h % 6 === 0) {
      ticks.push({ at: t.getTime(), label: week ? DAYS[t.getDay()] : `${pad2(h)}:00` });
    }
  }
  return ticks;
}

/** The top of the scale: `floor` at least, rounded up to a readable figure. */
function niceMax(values: number[], floor: number): number {
  const max = Math.max(floor, ...values);
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

/** One chart as inline SVG; `unit` labels the scale, `fixedMax` pins it (100 for percentages). */
export function chartSvg(
  id: string,
  title: string,
  series: Series,
  lines: Line[],
  unit: string,
  fixedMax?: number,
): string {
  const all = lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const max = fixedMax ?? niceMax(all, 1);
  const n = lines[0]?.values.length ?? 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + ((i + 0.5) * plotW) / n;
  const y = (v: number) => PAD.top + plotH - (Math.max(0, Math.min(max, v)) / max) * plotH;
  const xt = (at: number) => PAD.left + ((at - series.from) / (series.to - series.from)) * plotW;
  const grid = [0, max / 2, max]
    .map(
      (v) =>
        `<line class="g" x1="${PAD.left}" x2="${W - PAD.right}" y1="${r1(y(v))}" y2="${r1(y(v))}"/>` +
        `<text x="${PAD.left - 4}" y="${r1(y(v)) + 4}" text-anchor="end">${fmt(v)}</text>`,
    )
    .join('');
  const ticks = timeTicks(series)
    .map((t) => `<text x="${r1(xt(t.at))}" y="${H - 5}" text-anchor="middle">${t.label}</text>`)
    .join('');
  const paths = lines
    .map((l) => `<path class="${l.cls}" d="${path(l.values, x, y)}"><title>${l.label}</title></path>`)
    .join('');
  const summary = lines.map((l) => `${l.label} ${describe(l.values, unit)}`).join('; ');
  const empty =
    all.length === 0 ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no samples</text>` : '';
  return (
    `<figure class="chart"><figcaption id="${id}-t">${title} (${unit})</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<desc id="${id}-d">${summary}</desc>${grid}${ticks}${paths}${empty}` +
    '</svg>' +
    `<p class="legend">${lines.map((l) => `<span class="k ${l.cls}">${l.label}</span>`).join(' ')}</p></figure>`
  );
}

function fmt(v: number): string {
  return v >= 10 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}

/** "max 41.2 W, mean 12.0 W" for screen readers and the no-SVG case. */
function describe(values: readonly (number | null)[], unit: string): string {
  const got = values.filter((v): v is number => v !== null);
  if (got.length === 0) return 'no samples';
  const mean = got.reduce((a, b) => a + b, 0) / got.length;
  return `max ${fmt(Math.max(...got))} ${unit}, mean ${fmt(mean)} ${unit}, min ${fmt(Math.min(...got))} ${unit}`;
}

/** The four charts of the full page: power and battery, over 24 h and over 7 d. */
export function chartsHtml(charts: { day: Series; week: Series }): string {
  const block = (key: 'day' | 'week', span: string) => {
    const s = charts[key];
    return (
      `<div class="charts"><h3>${span}</h3>` +
      chartSvg(
        `c-${key}-p`,
        `Power, ${span}`,
        s,
        [
          { values: s.pvW, cls: 'pv', label: 'PV' },
          { values: s.loadW, cls: 'ld', label: 'load' },
        ],
        'W',
      ) +
      chartSvg(
        `c-${key}-b`,
        `Battery, ${span}`,
        s,
        [{ values: s.batteryPct, cls: 'bt', label: 'battery' }],
        '%',
        100,
      ) +
      '</div>'
    );
  };
  return block('day', 'last 24 hours') + block('week', 'last 7 days');
}
