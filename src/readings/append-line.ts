import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DATA_MODE } from '../util/atomic-file.js';

/**
 * Appends one line to an append-only file and waits until it is on disk (fsync). A last line left
 * without its newline by a crash is ended first, so the new line never joins the torn one (readers
 * skip the fragment). `header` is written first when the file is new or empty. Resolves with the
 * file's size after the append.
 */
export async function appendLine(path: string, line: string, header?: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a+', DATA_MODE);
  try {
    const { size, mode } = await handle.stat();
    let prefix = '';
    // A new file gets the data mode whatever the umask (the original's PHP, another user, reads it).
    if (size === 0 && (mode & 0o777) !== DATA_MODE) await handle.chmod(DATA_MODE);
    if (size === 0) prefix = header === undefined ? '' : `${header}\n`;
    else {
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      if (buffer[0] !== 10) prefix = '\n';
    }
    const { bytesWritten } = await handle.write(`${prefix}${line}\n`);
    await handle.sync();
    return size + bytesWritten;
  } finally {
    await handle.close();
  }
}
