/**
 * The API index page at /api/system (piStat served its documentation at `/`): every operation of
 * the node's OpenAPI document, by tag, as plain HTML with no script. Generated from the same
 * document as /openapi.json and /docs, so it lists exactly the routes the node registered.
 */

/** Where the index page is served. */
export const SYSTEM_DOCS_PATH = '/api/system';

export interface DocsSettings {
  version: string;
  cacheSeconds: number;
  rateLimit: { enabled: boolean; requests: number; windowSeconds: number };
}

interface OperationLike {
  tags?: string[];
  summary?: string;
  parameters?: { name: string; in: string }[];
  security?: Record<string, unknown>[];
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' })[c] ?? c,
  );

/** One table row per operation. */
function row(method: string, path: string, op: OperationLike): string {
  const name = `<code>${method.toUpperCase()} ${escapeHtml(path)}</code>`;
  const link = method === 'get' && !path.includes('{') ? `<a href="${escapeHtml(path)}">${name}</a>` : name;
  const query = (op.parameters ?? [])
    .filter((p) => p.in === 'query')
    .map((p) => `<code>${escapeHtml(p.name)}</code>`);
  const keys = (op.security ?? []).flatMap((s) => Object.keys(s));
  const key = keys.includes('adminKey') ? ' (admin)' : keys.length > 0 ? ' (key)' : '';
  return `<tr><td>${link}${key}</td><td>${query.join(', ') || '&mdash;'}</td><td>${escapeHtml(op.summary ?? '')}</td></tr>`;
}

/** The index page of `document` (an OpenAPI 3.1 document as /openapi.json serves it). */
export function docsPage(document: Record<string, unknown>, settings: DocsSettings): string {
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
  const tags = ((document.tags ?? []) as { name: string; description?: string }[]).map((t) => t.name);
  const rows = new Map<string, string[]>(tags.map((t) => [t, []]));
  for (const [path, item] of Object.entries(paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method] as OperationLike | undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      if (!rows.has(tag)) rows.set(tag, []);
      rows.get(tag)?.push(row(method, path, op));
    }
  }
  const sections = [...rows]
    .filter(([, list]) => list.length > 0)
    .map(
      ([tag, list]) => `<h2>${escapeHtml(tag)}</h2>
<table>
<tr><th>endpoint</th><th>parameters</th><th>answer</th></tr>
${list.join('\n')}
</table>`,
    )
    .join('\n');
  const limit = settings.rateLimit.enabled
    ? `${settings.rateLimit.requests} requests per ${settings.rateLimit.windowSeconds} s per client address (429 with Retry-After beyond)`
    : 'off';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pimesh API</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: 0.4rem; vertical-align: top; text-align: left; }
code { font-size: 0.9em; }
</style>
</head>
<body>
<h1>pimesh API</h1>
<p>Every endpoint of this pimesh node (${escapeHtml(settings.version)}). Parameters, bodies and answers in
full: <a href="/docs">/docs</a> (interactive) and <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
(admin): needs the node's admin key in an <code>X-API-Key</code> header.</p>
<p>System monitor: /stats answers are cached for ${settings.cacheSeconds} s. Rate limit: ${limit}. Answers
over the compression threshold are gzipped for clients that accept it.</p>
${sections}
<p><a href="/">home</a></p>
</body>
</html>
`;
}
