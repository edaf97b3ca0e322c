/**
 * Static files for the node's website: a request path turned into a file under one root, with the
 * headers Apache gave it (ETag, Last-Modified, Content-Type, Cache-Control, precompressed siblings).
 * Nothing here touches a request or a response; src/http/routes/site.ts does.
 *
 * Refused: `..` and `.` segments (also percent-encoded), NUL, encoded slashes, malformed escapes
 * (a SitePathError, 400); hidden files other than `.well-known/` and anything whose real path (after
 * symlinks) leaves the root (missing, 404, so a probe learns nothing). Directories answer their
 * `index.html` or 404: there is no listing.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { PimeshError } from '../../errors.js';
import { compressible, contentType, isHtml } from './content-types.js';

/** A request path that can never name a file in the site: 400. */
export class SitePathError extends PimeshError {
  constructor(reason: string) {
    super(`bad path: ${reason}`, { code: 'ERR_SITE_PATH', status: 400 });
  }
}

/** A request path cut into decoded segments; `directory` when it ends with a slash. */
export interface SitePath {
  segments: string[];
  directory: boolean;
}

export type ContentEncoding = 'br' | 'gzip';

/** The siblings tried, best first when the client accepts both equally. */
const SIBLINGS: [ContentEncoding, string][] = [
  ['br', '.br'],
  ['gzip', '.gz'],
];

export interface StaticFile {
  kind: 'file';
  /** The file to stream (a precompressed sibling when `encoding` is set). */
  path: string;
  size: number;
  encoding: ContentEncoding | undefined;
  headers: Record<string, string>;
}

/**
 * How much older than its source a sibling may be and still count as fresh: a checkout or a copy
 * writes the two a few milliseconds apart in either order; an edit made later is caught.
 */
const STALE_SLACK_MS = 2000;

export type Lookup = StaticFile | { kind: 'redirect'; location: string } | { kind: 'missing' };

export interface LookupOptions {
  /** The request's Accept-Encoding header. */
  acceptEncoding?: string;
  /** Cache-Control max-age for everything but HTML. */
  maxAgeSeconds: number;
  /** Where the root is mounted (`''` or `/local`), for the slash redirect. */
  prefix: string;
}

/** Splits and decodes a raw (still percent-encoded) URL path; throws SitePathError. */
export function parseSitePath(raw: string): SitePath {
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      throw new SitePathError('malformed percent-encoding');
    }
    if (segment.includes('\0')) throw new SitePathError('NUL in path');
    if (segment.includes('/') || segment.includes('\\')) throw new SitePathError('encoded slash in path');
    if (segment === '..' || segment === '.') throw new SitePathError('dot segment in path');
    segments.push(segment);
  }
  return { segments, directory: raw.endsWith('/') };
}

/** Finds what `path` names under `root`. */
export async function lookup(root: string, path: SitePath, options: LookupOptions): Promise<Lookup> {
  if (path.segments.some((s) => s.startsWith('.') && s !== '.well-known')) return MISSING;
  const realRoot = await realpath(root).catch(() => undefined);
  if (realRoot === undefined) return MISSING;
  const found = await inside(realRoot, join(realRoot, ...path.segments));
  if (found === undefined) return MISSING;
  if (found.stat.isDirectory()) {
    if (!path.directory) {
      const location = `${options.prefix}/${path.segments.map(encodeURIComponent).join('/')}`;
      return { kind: 'redirect', location: location.endsWith('/') ? location : `${location}/` };
    }
    const index = await inside(realRoot, join(found.path, 'index.html'));
    return index?.stat.isFile() ? serve(realRoot, index.path, index.stat, options) : MISSING;
  }
  if (!found.stat.isFile() || path.directory) return MISSING;
  return serve(realRoot, found.path, found.stat, options);
}

const MISSING = { kind: 'missing' } as const;

/** The real path and stat of `path` if it exists and resolves inside `realRoot`. */
async function inside(realRoot: string, path: string): Promise<{ path: string; stat: Stats } | undefined> {
  try {
    const real = await realpath(path);
    if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
      return undefined;
    }
    return { path: real, stat: await stat(real) };
  } catch {
    return undefined;
  }
}

async function serve(realRoot: string, path: string, st: Stats, options: LookupOptions): Promise<StaticFile> {
  const type = contentType(path);
  let chosen: { path: string; stat: Stats; encoding: ContentEncoding | undefined } = {
    path,
    stat: st,
    encoding: undefined,
  };
  let vary = false;
  if (compressible(type)) {
    const accepted = acceptedEncodings(options.acceptEncoding);
    let best = 0;
    for (const [encoding, suffix] of SIBLINGS) {
      const sibling = await inside(realRoot, path + suffix);
      // A sibling older than its source is stale (the page was edited, the .gz not remade): ignored.
      if (!sibling?.stat.isFile() || sibling.stat.mtimeMs < st.mtimeMs - STALE_SLACK_MS) continue;
      vary = true;
      const q = accepted(encoding);
      if (q > best) {
        best = q;
        chosen = { path: sibling.path, stat: sibling.stat, encoding };
      }
    }
  }
  const headers: Record<string, string> = {
    'Content-Type': type,
    ETag: etag(chosen.stat, chosen.encoding),
    'Last-Modified': chosen.stat.mtime.toUTCString(),
    'Cache-Control':
      isHtml(type) || options.maxAgeSeconds === 0 ? 'no-cache' : `public, max-age=${options.maxAgeSeconds}`,
    'X-Content-Type-Options': 'nosniff',
  };
  if (chosen.encoding) headers['Content-Encoding'] = chosen.encoding;
  if (vary) headers.Vary = 'Accept-Encoding';
  return { kind: 'file', path: chosen.path, size: chosen.stat.size, encoding: chosen.encoding, headers };
}

/** A strong validator from size and modification time, per representation (nginx's recipe). */
export function etag(st: Pick<Stats, 'size' | 'mtimeMs'>, encoding?: ContentEncoding): string {
  const tag = `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}`;
  return `"${encoding ? `${tag}-${encoding}` : tag}"`;
}

/** The q-value the header gives each coding (RFC 9110 12.5.3): `*` covers the unnamed ones. */
export function acceptedEncodings(header: string | undefined): (coding: string) => number {
  const q = new Map<string, number>();
  for (const item of (header ?? '').split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (!name) continue;
    let value = 1;
    for (const param of params) {
      const [key, v] = param.trim().split('=');
      if (key === 'q') value = Number.parseFloat(v ?? '');
    }
    q.set(name, Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);
  }
  return (coding) => q.get(coding) ?? q.get('*') ?? 0;
}
