import type Router from '@koa/router';
import type { NodeStatus } from './status.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' })[c] ?? c,
  );

/** `GET /`: a small page for the steward: who this node is, where readings come from, the API. */
export function homeRoutes(router: Router, status: () => NodeStatus): void {
  router.get('/', (ctx) => {
    const s = status();
    const cc = s.chargeController;
    const banner = cc.simulated
      ? '<p class="sim"><strong>SIMULATED</strong> charge controller: these readings are invented, not measured.</p>'
      : '';
    const last = cc.lastSample ? `${escapeHtml(cc.lastSample.row)}` : 'no sample yet';
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pimesh: ${escapeHtml(s.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
.sim{background:#fff3cd;border:1px solid #e0b400;padding:.5rem 1rem}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>
<h1>${escapeHtml(s.name)}</h1>
${banner}
<p>pimesh ${escapeHtml(s.version)}, up ${Math.round(s.uptime)} s, time zone ${escapeHtml(s.timezone)}.</p>
<p>Charge controller: ${escapeHtml(cc.description)}<br>Last sample: <code>${last}</code></p>
<h2>API</h2>
<ul>
<li><a href="/api/status">/api/status</a></li>
<li><a href="/api/election">/api/election</a>: the point of entry and why</li>
<li><a href="/docs">/docs</a>: the API documentation (<a href="/openapi.json">OpenAPI 3.1</a>; <a href="/api/system">without script</a>)</li>
<li><a href="/api/v1/chargecontroller.php?value=PV-voltage">/api/v1/chargecontroller.php?value=PV-voltage</a></li>
<li><a href="/api/v1/opendata.php?line=0">/api/v1/opendata.php?line=0</a></li>
<li><a href="/api/v2/opendata.php?value=PV-power-L&amp;duration=1">/api/v2/opendata.php?value=PV-power-L&amp;duration=1</a></li>
</ul>
</body></html>`;
  });
}
