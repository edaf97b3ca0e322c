/** Text as the dashboard shows it, shared by the page and the live stream so both read the same. */
import type { NowFigures } from './series.js';

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' })[c] ?? c,
  );

const pad = (n: number) => String(n).padStart(2, '0');

/** Node-local `YYYY-MM-DD HH:MM:SS`. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** "3 min ago", "2 h ago", "5 d ago" (or "in the future" for a clock ahead of ours). */
export function ago(ms: number, now: number): string {
  const s = Math.round((now - ms) / 1000);
  if (s < -60) return 'in the future (clock skew)';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export const NA = 'not available';

export const fixed = (v: number | null | undefined, digits: number, unit: string) =>
  v === null || v === undefined || !Number.isFinite(v) ? NA : `${v.toFixed(digits)} ${unit}`;

/** The "now" figures as text, keyed as the page's `data-k` attributes. */
export function nowText(f: NowFigures | null): Record<string, string> {
  return {
    pvW: fixed(f?.pvW, 1, 'W'),
    pvV: fixed(f?.pvV, 1, 'V'),
    batteryPct: fixed(f?.batteryPct, 0, '%'),
    batteryV: fixed(f?.batteryV, 2, 'V'),
    loadW: fixed(f?.loadW, 1, 'W'),
    at: f ? localTime(f.at) : 'no sample yet',
  };
}
