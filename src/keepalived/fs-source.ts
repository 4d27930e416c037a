import { globSync, readFileSync } from 'node:fs';
import type { SourceReader } from './parse.js';

/** The SourceReader of the command line: the local file system. */
export const fileSystemSource: SourceReader = {
  readFile(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // Missing and unreadable files are reported by the parser, with the include line.
      return undefined;
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
