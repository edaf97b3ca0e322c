/** Where the system monitor's documentation page is served (piStat served it at `/`). */
export const SYSTEM_DOCS_PATH = '/api/system';

interface Endpoint {
  path: string;
  params: string;
  answer: string;
}

const ENDPOINTS: Endpoint[] = [
  {
    path: '/stats',
    params:
      '<code>block=true</code> measures CPU usage over 1 s; <code>cache=false</code> bypasses the cache; ' +
      '<code>fields=cpu_usage,memory</code> keeps only those top-level keys',
    answer:
      'cpu_temp (°C), cpu_freq (MHz), cpu_usage and per_cpu_usage (%), memory, swap, disk (bytes), disk_io, ' +
      'uptime (s), load_avg, timestamp (epoch s), gpu, power (with throttled_flags), clocks (Hz), network, ' +
      'hardware. Raspberry Pi figures (gpu, power, clocks) are <code>{}</code> on other hosts.',
  },
  {
    path: '/processes',
    params: '<code>sort=cpu|memory|name|pid|time</code> (default cpu); <code>limit=10</code> (at most 100)',
    answer: 'processes[]: pid, name, user, cpu_percent, memory_percent, running_time (s); timestamp',
  },
  {
    path: '/network/interfaces',
    params: '',
    answer:
      'interfaces: counters per interface except lo (bytes, packets, errors, drops; signal_strength in dBm for ' +
      'wlan*), and active_connections; timestamp',
  },
  {
    path: '/storage/devices',
    params: '',
    answer:
      'devices[]: device, mountpoint, filesystem, total, used, free (bytes), percent; disk_io; timestamp',
  },
  { path: '/health', params: '', answer: 'status, uptime (s), memory_usage (%), timestamp, version' },
  { path: '/metrics/history', params: '', answer: 'not implemented (a message)' },
  { path: '/system/config', params: '', answer: 'platform and the effective settings of this API' },
];

/** pi_backend's endpoints on this node; `admin` ones need the node's admin key in X-API-Key. */
const HARDWARE_ENDPOINTS: (Endpoint & { method: 'GET' | 'POST'; admin?: boolean })[] = [
  { method: 'GET', path: '/api/version', params: '', answer: '{"version":"2.2.0"}' },
  {
    method: 'GET',
    path: '/api/status',
    params: '',
    answer: 'status "ok", version, timestamp, charge controller',
  },
  {
    method: 'POST',
    path: '/api/keys',
    params: '{"key_name","key_value"}',
    answer: 'saved to the 0600 keys file',
    admin: true,
  },
  { method: 'GET', path: '/api/hardware/cpu', params: '', answer: 'cpu_usage_percent' },
  { method: 'GET', path: '/api/hardware/memory', params: '', answer: 'memory_usage_percent' },
  { method: 'GET', path: '/api/hardware/sensehat', params: '', answer: 'Sense HAT sensors (IIO), or 503' },
  {
    method: 'GET',
    path: '/api/hardware/gps',
    params: '',
    answer: 'gpsd fix: fix_type, latitude, longitude, altitude_m, satellites',
  },
  {
    method: 'GET',
    path: '/api/hardware/gps/uart',
    params: '<code>port</code>, <code>seconds</code>',
    answer: 'raw NMEA with checksum_ok',
  },
  {
    method: 'GET',
    path: '/api/hardware/gps/status',
    params: '',
    answer: '{"gpsd.service": "active"|"inactive"}',
  },
  {
    method: 'GET',
    path: '/api/hardware/lte/status',
    params: '<code>port</code>',
    answer: 'AT+CSQ/CREG?/COPS? lines and decoded values',
  },
  {
    method: 'POST',
    path: '/api/hardware/lte/power-cycle',
    params: '',
    answer: 'pulses the power key',
    admin: true,
  },
  {
    method: 'POST',
    path: '/api/hardware/lte/flight-mode',
    params: '{"enable": true|false}',
    answer: 'flight mode on/off',
    admin: true,
  },
  {
    method: 'GET',
    path: '/api/location-data',
    params: '<code>location</code>, <code>lat</code>/<code>lon</code>, <code>modules</code>',
    answer: 'place and Open-Meteo forecast',
  },
  {
    method: 'GET',
    path: '/api/weather-data',
    params: '<code>location</code>, <code>services</code>',
    answer: 'one entry per service',
  },
  { method: 'POST', path: '/api/data', params: '{"data": "..."}', answer: 'id and timestamp', admin: true },
  { method: 'GET', path: '/api/data', params: '<code>limit</code>', answer: 'stored entries' },
  {
    method: 'GET',
    path: '/api/polled',
    params: '<code>source</code>, <code>since</code>, <code>limit</code>',
    answer: "the poller's records",
  },
  {
    method: 'GET',
    path: '/api/sensors/latest',
    params: '<code>board</code>, <code>sensor</code>',
    answer: "LAN sensor boards: each sensor's latest value and status (poe-backend)",
  },
  {
    method: 'GET',
    path: '/api/sensors/history',
    params: '<code>from</code>, <code>to</code>, <code>step</code>, <code>board</code>, <code>sensor</code>',
    answer: 'readings over time, raw or avg/min/max per step',
  },
  { method: 'GET', path: '/api/sensors/connections', params: '', answer: 'boards connected now, last seen' },
  {
    method: 'GET',
    path: '/api/sensors/counters',
    params: '',
    answer: 'frames, rejections, connections, commits',
  },
  {
    method: 'GET',
    path: '/api/sensors/live',
    params: '',
    answer: 'Server-Sent Events: readings and status changes',
  },
];

export interface DocsSettings {
  version: string;
  cacheSeconds: number;
  rateLimit: { enabled: boolean; requests: number; windowSeconds: number };
}

/** The documentation page: a static list of the endpoints, their parameters and units. */
export function docsPage(settings: DocsSettings): string {
  const rows = ENDPOINTS.map(
    (e) =>
      `<tr><td><a href="${e.path}"><code>GET ${e.path}</code></a></td><td>${e.params || '&mdash;'}</td><td>${e.answer}</td></tr>`,
  ).join('\n');
  const hardware = HARDWARE_ENDPOINTS.map((e) => {
    const name = `<code>${e.method} ${e.path}</code>`;
    const link = e.method === 'GET' ? `<a href="${e.path}">${name}</a>` : name;
    return `<tr><td>${link}${e.admin ? ' (admin)' : ''}</td><td>${e.params || '&mdash;'}</td><td>${e.answer}</td></tr>`;
  }).join('\n');
  const limit = settings.rateLimit.enabled
    ? `${settings.rateLimit.requests} requests per ${settings.rateLimit.windowSeconds} s per client address (429 with Retry-After beyond)`
    : 'off';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pimesh system monitor and hardware API</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: 0.4rem; vertical-align: top; text-align: left; }
code { font-size: 0.9em; }
</style>
</head>
<body>
<h1>System monitor API</h1>
<p>The piStat-compatible system monitor of this pimesh node (${settings.version}). Every answer is JSON;
sizes are bytes, times seconds, clocks Hz.</p>
<table>
<tr><th>endpoint</th><th>parameters</th><th>answer</th></tr>
${rows}
</table>
<p>/stats answers are cached for ${settings.cacheSeconds} s. Rate limit: ${limit}. Answers over the
compression threshold are gzipped for clients that accept it.</p>
<h2>Hardware and pi_backend API</h2>
<p>(admin): needs the node's admin key in an <code>X-API-Key</code> header. Missing hardware answers 503
with <code>{"error": "...", "code": "..."}</code> naming it.</p>
<table>
<tr><th>endpoint</th><th>parameters</th><th>answer</th></tr>
${hardware}
</table>
<p><a href="/">home</a></p>
</body>
</html>
`;
}
