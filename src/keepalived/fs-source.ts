import { globSync } from 'node:fs';
import { readRegularFile } from '../core/index.js';
import type { SourceReader } from './parse.js';

/**
 * Largest keepalived file read: 64 MiB, five times the benchmark's generated configuration
 * (40,000 real servers with HTTP_GET checks, 11 MB). PARSE_LIMITS bounds all files together.
 */
export const KEEPALIVED_FILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The SourceReader of the command line: the local file system. Only regular files are read,
 * at most KEEPALIVED_FILE_MAX_BYTES each. Files are opened with O_NONBLOCK and their type is
 * checked on the open descriptor, so `include /dev/zero` or a FIFO ends with a diagnostic
 * instead of reading forever or waiting for a writer.
 */
export const fileSystemSource: SourceReader = {
  readFile(file) {
    const read = readRegularFile(file, { maxBytes: KEEPALIVED_FILE_MAX_BYTES });
    if (read.ok) return read.bytes.toString('utf8');
    switch (read.problem) {
      case 'missing':
        // Reported by the parser, with the include line.
        return undefined;
      case 'error':
        return { problem: `cannot be read (${read.code})` };
      case 'not-regular':
        return { problem: `is ${read.kind}, not a regular file` };
      case 'too-large':
        return { problem: `is larger than the limit of ${KEEPALIVED_FILE_MAX_BYTES} bytes` };
      case 'grew':
        return { problem: 'grew while it was read' };
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
