import { readdir, readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The machine's /proc and /sys, read under a root directory ('/' in the daemon; a fixture tree in
 * tests), plus statfs. Every read answers `undefined` when the file is not there, so callers omit keys.
 */
export interface Host {
  readonly root: string;
  /** A file's text, or undefined when it cannot be read. */
  text(path: string): Promise<string | undefined>;
  /** A directory's entry names, or undefined when it cannot be read. */
  list(path: string): Promise<string[] | undefined>;
  /** statfs of a mount point (throws when it cannot be read). */
  statfs(path: string): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number }>;
}

export function hostAt(root = '/'): Host {
  const at = (path: string) => (root === '/' ? path : join(root, path));
  return {
    root,
    async text(path) {
      try {
        return await readFile(at(path), 'utf8');
      } catch {
        return undefined;
      }
    },
    async list(path) {
      try {
        return await readdir(at(path));
      } catch {
        return undefined;
      }
    },
    async statfs(path) {
      const s = await statfs(at(path));
      return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail };
    },
  };
}
