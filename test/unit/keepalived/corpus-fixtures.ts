import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { memorySource, type ImportOptions, type SourceReader } from '../../../src/keepalived/index.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/keepalived');
export const CORPUS = join(FIXTURES, 'corpus');

/** One corpus configuration and what its header comments say about it. */
export interface CorpusCase {
  readonly name: string;
  readonly entry: string;
  readonly reader: SourceReader;
  readonly options: ImportOptions;
  /** `CODE@line` of every diagnostic of the entry (and its includes), from `# expect:` lines. */
  readonly expected: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Every file of the corpus folder, keyed by its path relative to the folder. */
export function corpusFiles(): Map<string, string> {
  return new Map(walk(CORPUS).map((f) => [relative(CORPUS, f), readFileSync(f, 'utf8')]));
}

/** The top-level *.conf files of the corpus, with options and expectations from their headers. */
export function loadCorpus(): CorpusCase[] {
  const files = corpusFiles();
  const reader = memorySource(files);
  const expectations = new Map(
    [...readFileSync(join(FIXTURES, 'corpus-expected.txt'), 'utf8').matchAll(/^(\S+\.conf):(.*)$/gm)].map((m) => [
      m[1] ?? '',
      (m[2] ?? '')
        .trim()
        .split(/\s+/)
        .filter((x) => x !== '' && x !== 'none'),
    ]),
  );
  return [...files.keys()]
    .filter((f) => f.endsWith('.conf') && !f.includes('/'))
    .sort()
    .map((entry) => {
      const text = files.get(entry) ?? '';
      const configId = /^# config-id: (\S+)/m.exec(text)?.[1];
      const options: ImportOptions = {
        ...(configId !== undefined ? { configId } : {}),
        ...(/^# options:.*real-server-objects/m.test(text) ? { realServerObjects: true } : {}),
      };
      return {
        name: entry.replace(/\.conf$/, ''),
        entry,
        reader,
        options,
        expected: expectations.get(entry) ?? ['(missing)'],
      };
    });
}
