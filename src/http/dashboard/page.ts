/**
 * The dashboard's HTML, rendered on the server: every number is in the page, so it reads without
 * JavaScript; the script only keeps "now" live. The low-power page leaves out the charts and the script.
 */
import { chartsHtml } from './charts.js';
import { ago, escapeHtml as e, fixed, localTime, NA, nowText } from './format.js';
import type { HardwareItem } from './hardware.js';
import type { DashboardView, EntryView, PeerRow } from './model.js';

/** An interval in minutes as a person says it: "10 s", "20 min", "1.5 h". */
function everyText(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 90) return `${Math.round(minutes * 10) / 10} min`;
  return `${Math.round((minutes / 60) * 10) / 10} h`;
}

export interface PageAssets {
  css: string;
  js: string;
}

const REGIONS = [
  ['now', 'Now'],
  ['charts', 'Charts'],
  ['mesh', 'Mesh'],
  ['entry', 'Point of entry'],
  ['hardware', 'Hardware'],
] as const;

const section = (id: string, title: string, body: string) =>
  `<section id="${id}" aria-labelledby="${id}-h" tabindex="-1"><h2 id="${id}-h">${title}</h2>${body}</section>`;

const na = (why: string) => `<span class="na">${NA}</span> <small>(${e(why)})</small>`;

function nowSection(v: DashboardView): string {
  const t = nowText(v.now);
  const cell = (k: string, label: string) => `<div><dt>${label}</dt><dd data-k="${k}">${e(t[k])}</dd></div>`;
  const pct = v.now?.batteryPct;
  const meter =
    pct === null || pct === undefined
      ? ''
      : `<meter min="0" max="100" low="30" high="60" optimum="100" value="${pct.toFixed(0)}" data-m="batteryPct">${pct.toFixed(0)}%</meter>`;
  return section(
    'now',
    'Now',
    `<dl class="now">${cell('pvW', 'PV power')}${cell('pvV', 'PV voltage')}` +
      `<div><dt>Battery</dt><dd><span data-k="batteryPct">${e(t.batteryPct)}</span> ${meter}</dd></div>` +
      `${cell('batteryV', 'Battery voltage')}${cell('loadW', 'Load')}</dl>` +
      `<p>Sampled at <time data-k="at">${e(t.at)}</time>${v.now ? ` (${ago(v.now.at, v.generatedAt)} when the page was made)` : ''}. ` +
      `Source: ${e(v.source)}.</p>`,
  );
}

function peerRow(p: PeerRow, now: number): string {
  const seen = p.lastSeen
    ? `<time datetime="${p.lastSeen}">${ago(Date.parse(p.lastSeen), now)}</time>`
    : 'never';
  const data = (value: string) => (p.dataNote ? `<span class="na">${e(p.dataNote)}</span>` : value);
  return (
    `<tr><th scope="row">${e(p.name)}</th><td>${e(p.city) || '<span class="na">unknown</span>'}</td><td>${seen}</td>` +
    `<td class="r-${p.reachable}" title="${e(p.reachableNote)}">${p.reachable}</td>` +
    `<td>${data(fixed(p.pvW, 1, 'W'))}</td><td>${data(fixed(p.batteryPct, 0, '%'))}</td></tr>`
  );
}

function meshSection(v: DashboardView): string {
  if (v.peers === null) return section('mesh', 'The mesh', `<p>${na('no peer list on this node')}</p>`);
  const note = v.networkData
    ? ''
    : '<p class="na">no network data yet: peers’ PV and battery are not fetched.</p>';
  const rows = v.peers.map((p) => peerRow(p, v.generatedAt)).join('');
  const table =
    v.peers.length === 0
      ? '<p>No peers known yet.</p>'
      : `<div class="scroll"><table><caption>${v.peers.length} peer(s) in the device list</caption>` +
        '<thead><tr><th scope="col">Name</th><th scope="col">City</th><th scope="col">Last seen</th>' +
        '<th scope="col">Reachable</th><th scope="col">PV</th><th scope="col">Battery</th></tr></thead>' +
        `<tbody>${rows}</tbody></table></div>`;
  return section('mesh', 'The mesh', note + table);
}

function entrySection(entry: EntryView | null, cadence: unknown, now: number): string {
  const cad = `<h3>Energy-aware cadence</h3>${cadenceHtml(cadence)}`;
  if (!entry) return section('entry', 'Point of entry', `<p>${na('no election on this node')}</p>${cad}`);
  const holder = entry.holderName
    ? `<p>The point of entry is <strong>${e(entry.holderName)}</strong>${entry.selfIsEntry ? ' (this node)' : ''}` +
      `${entry.since ? `, since <time datetime="${entry.since}">${localTime(Date.parse(entry.since))}</time> (${ago(Date.parse(entry.since), now)})` : ''}.</p>`
    : '<p>No point of entry is known yet.</p>';
  const round = entry.lastRound
    ? `<p>Last round at <time datetime="${entry.lastRound.at}">${localTime(Date.parse(entry.lastRound.at))}</time>, ` +
      `rule ${e(entry.lastRound.rule)}, metric ${e(entry.lastRound.metric)}:</p>` +
      `<ul class="reasons">${entry.reasons
        .map(
          (r) =>
            `<li><strong>${e(r.name)}</strong>${r.self ? ' (this node)' : ''}: ${e(r.verdict)}, ` +
            `${r.metric === null ? 'no metric' : `metric ${r.metric}`}; ${e(r.reason)}</li>`,
        )
        .join('')}</ul>`
    : '<p>No election round has run since the node started.</p>';
  return section('entry', 'Point of entry', holder + round + cad);
}

/** The cadence as /api/status gives it (another module's shape): its plain fields, as they are. */
function cadenceHtml(cadence: unknown): string {
  if (cadence === undefined || cadence === null) return `<p>${na('the node does not report a cadence')}</p>`;
  if (typeof cadence !== 'object') return `<p>${e(String(cadence))}</p>`;
  const c = cadence as Record<string, unknown>;
  const rows = Object.entries(c)
    .filter(([, value]) => value === null || typeof value !== 'object')
    .map(([key, value]) => `<div><dt>${e(key)}</dt><dd>${value === null ? NA : e(String(value))}</dd></div>`)
    .join('');
  const jobs = Array.isArray(c.jobs)
    ? `<ul>${(c.jobs as Record<string, unknown>[])
        .map(
          (j) =>
            `<li><strong>${e(String(j.name))}</strong>: ${j.minutes == null ? 'on its own timetable' : `every ${e(everyText(Number(j.minutes)))}`}` +
            `${j.nextRun ? `, next ${e(localTime(Date.parse(String(j.nextRun))))}` : ''}</li>`,
        )
        .join('')}</ul>`
    : '';
  return `<dl class="kv">${rows}</dl>${jobs}`;
}

function hardwareSection(items: HardwareItem[] | null): string {
  if (items === null)
    return section('hardware', 'Hardware', `<p>${na('no hardware panel on this node')}</p>`);
  const rows = items
    .map(
      (i) =>
        `<div${i.warn ? ' class="warn"' : ''}><dt>${e(i.label)}</dt><dd>${
          i.value === undefined ? na(i.unavailable ?? 'unknown') : e(i.value)
        }</dd></div>`,
    )
    .join('');
  return section('hardware', 'Hardware', `<dl class="kv">${rows}</dl>`);
}

/** The whole page. */
export function dashboardPage(v: DashboardView, assets: PageAssets): string {
  const regions = REGIONS.filter(([id]) => !(v.lite && id === 'charts'));
  const banner = v.simulated
    ? '<p class="sim" role="note"><strong>SIMULATED</strong> charge controller: these readings are invented, not measured.</p>'
    : '';
  const problems =
    v.problems.length > 0
      ? `<div class="warn" role="status"><p><strong>Degraded:</strong></p><ul>${v.problems
          .map((p) => `<li>${e(p)}</li>`)
          .join('')}</ul></div>`
      : '';
  const lite = v.lite
    ? `<p class="lite">Low-power page (${e(v.liteReason)}): no charts, no live updates. <a href="/dashboard?full">Full page</a></p>`
    : '<p class="lite"><a href="/dashboard?lite">Low-power page</a> <span id="live" aria-live="polite"></span></p>';
  const charts =
    v.lite || !v.charts
      ? ''
      : section('charts', 'Charts', `<div id="chart-body">${chartsHtml(v.charts)}</div>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(v.name)}: pimesh dashboard</title><link rel="stylesheet" href="${assets.css}">
</head><body${v.lite ? ' class="is-lite"' : ''}>
<a class="skip" href="#main">Skip to content</a>
<header><h1>${e(v.name)} <small class="st-${v.status}">${v.status}</small></h1>${banner}
<nav aria-label="Sections"><ul>${regions.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ul></nav></header>
<main id="main" tabindex="-1">${problems}${lite}
${nowSection(v)}
${charts}
${meshSection(v)}
${entrySection(v.entry, v.cadence, v.generatedAt)}
${hardwareSection(v.hardware)}
</main>
<footer><p>pimesh ${e(v.version)}; page made ${localTime(v.generatedAt)}. API: <a href="/api/status">status</a>,
<a href="/api/election">election</a>, <a href="/api/dashboard">dashboard JSON</a>, <a href="/api/system">system</a>,
<a href="/api/v2/opendata.php?value=PV-power-L&amp;duration=1">opendata</a>.</p></footer>
${v.lite ? '' : `<script src="${assets.js}" defer></script>`}
</body></html>`;
}
