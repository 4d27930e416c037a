import { closeSync, constants, fstatSync, globSync, openSync, readSync, type Stats } from 'node:fs';
import type { SourceReader, UnreadableSource } from './parse.js';

/**
 * Largest keepalived file read: 64 MiB, five times the benchmark's generated configuration
 * (40,000 real servers with HTTP_GET checks, 11 MB). PARSE_LIMITS bounds all files together.
 */
export const KEEPALIVED_FILE_MAX_BYTES = 64 * 1024 * 1024;

const KINDS: readonly [string, (s: Stats) => boolean][] = [
  ['a folder', (s) => s.isDirectory()],
  ['a FIFO', (s) => s.isFIFO()],
  ['a socket', (s) => s.isSocket()],
  ['a character device', (s) => s.isCharacterDevice()],
  ['a block device', (s) => s.isBlockDevice()],
];

/**
 * The SourceReader of the command line: the local file system. Only regular files are read,
 * at most KEEPALIVED_FILE_MAX_BYTES each. Files are opened with O_NONBLOCK and their type is
 * checked on the open descriptor, so `include /dev/zero` or a FIFO ends with a diagnostic
 * instead of reading forever or waiting for a writer.
 */
export const fileSystemSource: SourceReader = {
  readFile(file) {
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A missing file is reported by the parser, with the include line.
      return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : { problem: `cannot be read (${code ?? 'error'})` };
    }
    try {
      return readRegularFile(fd);
    } catch (err) {
      return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    } finally {
      closeSync(fd);
    }
  },
  glob(pattern) {
    try {
      return globSync(pattern).sort();
    } catch {
      return [];
    }
  },
};

function readRegularFile(fd: number): string | UnreadableSource {
  const info = fstatSync(fd);
  if (!info.isFile()) {
    const kind = KINDS.find(([, is]) => is(info))?.[0] ?? 'not a regular file';
    return { problem: `is ${kind}, not a regular file` };
  }
  if (info.size > KEEPALIVED_FILE_MAX_BYTES) {
    return { problem: `is larger than the limit of ${KEEPALIVED_FILE_MAX_BYTES} bytes` };
  }
  // One byte past the size seen: a file that grows while it is read is refused, not followed.
  const buf = Buffer.alloc(info.size + 1);
  let length = 0;
  for (;;) {
    const n = readSync(fd, buf, length, buf.length - length, null);
    length += n;
    if (n === 0 || length === buf.length) break;
  }
  if (length > info.size) return { problem: 'grew while it was read' };
  return buf.subarray(0, length).toString('utf8');
}
