/**
 * Reading a file that a user or a tenant named, safely: only a regular file, opened with
 * O_NONBLOCK and checked on the open descriptor (a FIFO, a socket or a device never blocks or
 * streams forever, and a file swapped between a listing and the read is caught), at most
 * `maxBytes` (one byte past the size seen is read, so a file that grows is refused, not
 * followed). Never throws: every outcome is a value the caller turns into its own message.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** What fstat, stat and a directory entry can all say about a file's type. */
export type FileType = Pick<Stats, 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>;

const FILE_TYPES: readonly [string, (s: FileType) => boolean][] = [
  ['a folder', (s) => s.isDirectory()],
  ['a FIFO', (s) => s.isFIFO()],
  ['a socket', (s) => s.isSocket()],
  ['a character device', (s) => s.isCharacterDevice()],
  ['a block device', (s) => s.isBlockDevice()],
];

/** "a folder", "a FIFO", "a socket", "a character device"...; undefined for a regular file or link. */
export function fileKind(s: FileType): string | undefined {
  return FILE_TYPES.find(([, is]) => is(s))?.[0];
}

export type RegularFileRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly problem: 'missing' | 'error'; readonly code: string }
  | { readonly ok: false; readonly problem: 'not-regular'; readonly kind: string }
  | { readonly ok: false; readonly problem: 'too-large' | 'grew' };

/** Reads `path` if it is a regular file of at most `maxBytes`; `noFollow` refuses a final link. */
export function readRegularFile(path: string, opts: { maxBytes: number; noFollow?: boolean }): RegularFileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problem: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'error', code };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { ok: false, problem: 'not-regular', kind: fileKind(info) ?? 'not a regular file' };
    if (info.size > opts.maxBytes) return { ok: false, problem: 'too-large' };
    const buf = Buffer.alloc(info.size + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      length += n;
      if (n === 0 || length === buf.length) break;
    }
    if (length > info.size) return { ok: false, problem: 'grew' };
    return { ok: true, bytes: buf.subarray(0, length) };
  } catch (err) {
    return { ok: false, problem: 'error', code: (err as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    closeSync(fd);
  }
}
