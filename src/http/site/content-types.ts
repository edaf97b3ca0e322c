import { extname } from 'node:path';

/** The types a small website carries; anything else is application/octet-stream. */
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.rss': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.br': 'application/octet-stream',
};

/** Types whose text gets `; charset=utf-8` (the site is expected to be written in UTF-8). */
const TEXT = /^text\/|^application\/(json|manifest\+json|xml|rss\+xml|atom\+xml)$|^image\/svg\+xml$/;

/** Worth precompressing: the text types (images, fonts, media and archives are compressed already). */
export function compressible(type: string): boolean {
  return TEXT.test(type.split(';')[0]);
}

/** The Content-Type for a file name, with the charset for text. */
export function contentType(name: string): string {
  const type = TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
  return TEXT.test(type) ? `${type}; charset=utf-8` : type;
}

/** HTML pages change under the same name (the low-power switch, the steward's edits). */
export function isHtml(type: string): boolean {
  return type.startsWith('text/html');
}
