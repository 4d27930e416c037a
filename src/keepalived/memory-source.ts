import path from 'node:path';
import type { SourceReader } from './parse.js';

/**
 * A SourceReader over files held in memory, keyed by path. Tests, the fuzzer and the
 * benchmark use it; globbing follows `path.matchesGlob`, as the file-system reader does.
 */
export function memorySource(files: Readonly<Record<string, string>> | ReadonlyMap<string, string>): SourceReader {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return {
    readFile: (file) => map.get(path.posix.normalize(file)),
    glob: (pattern) => [...map.keys()].filter((f) => path.matchesGlob(f, pattern)).sort(),
  };
}
