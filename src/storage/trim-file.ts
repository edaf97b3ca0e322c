/**
 * Keeps an append-only line file (JSON Lines, poe.log) from growing without bound: once it passes
 * `maxBytes`, it is rewritten with its newest whole lines, half the limit's worth, so it is not
 * rewritten again at the next append. The rewrite is atomic (a temp file fsync'd, then renamed over),
 * keeps the file's mode, and must run in the same queue as the file's appends, so none is lost.
 */
import { open, rename, rm, stat } from 'node:fs/promises';

/** Rewrites `path` with its newest lines when it is over `maxBytes`; the bytes removed (0: untouched). */
export async function trimToNewest(path: string, maxBytes: number): Promise<number> {
  let size: number;
  let mode: number;
  try {
    ({ size, mode } = await stat(path));
  } catch {
    return 0;
  }
  if (size <= maxBytes) return 0;
  const keep = Math.floor(maxBytes / 2);
  const source = await open(path, 'r');
  let tail: Buffer;
  try {
    tail = Buffer.alloc(keep);
    const { bytesRead } = await source.read(tail, 0, keep, size - keep);
    tail = tail.subarray(0, bytesRead);
  } finally {
    await source.close();
  }
  // From the first whole line on: the part before it is the end of a line that goes.
  const start = tail.indexOf(10) + 1;
  const kept = tail.subarray(start);
  const temp = `${path}.trim-${process.pid}`;
  const out = await open(temp, 'w', mode & 0o777);
  try {
    await out.write(kept);
    await out.chmod(mode & 0o777);
    await out.sync();
  } catch (error) {
    await out.close();
    await rm(temp, { force: true });
    throw error;
  }
  await out.close();
  await rename(temp, path);
  return size - kept.length;
}
