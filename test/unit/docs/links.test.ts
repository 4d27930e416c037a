import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every relative link in the project's Markdown resolves: the file exists and, for `#anchor`,
// a heading of that file has that anchor as GitHub renders it. Docs that point nowhere are a
// defect the reader meets first.

const repoRoot = resolve(import.meta.dirname, '../../..');

function markdownFiles(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(repoRoot, 'docs', f));
  const srcReadmes = readdirSync(join(repoRoot, 'src'))
    .map((d) => join(repoRoot, 'src', d, 'README.md'))
    .filter((f) => existsSync(f));
  const top = ['README.md', 'CHANGELOG.md', 'bench/README.md', 'test/e2e/README.md']
    .map((f) => join(repoRoot, f))
    .filter((f) => existsSync(f));
  return [...top, ...docs, ...srcReadmes];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const base = anchorOf(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

function linksOf(file: string): Link[] {
  const out: Link[] = [];
  let fenced = false;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.startsWith('```')) fenced = !fenced;
      if (fenced) return;
      // Inline code may hold text that looks like a link; it is not one.
      const prose = text.replace(/`[^`]*`/g, '');
      for (const m of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z]+:/i.test(target)) continue;
        out.push({ file, line: i + 1, target });
      }
    });
  return out;
}

function brokenReason(link: Link): string | undefined {
  const [path = '', anchor] = link.target.split('#', 2);
  const target = path === '' ? link.file : resolve(dirname(link.file), path);
  if (!existsSync(target)) return `no file ${relative(repoRoot, target)}`;
  if (anchor === undefined || statSync(target).isDirectory() || !target.endsWith('.md')) return undefined;
  return anchorsOf(target).has(anchor) ? undefined : `no heading #${anchor} in ${relative(repoRoot, target)}`;
}

describe('documentation links', () => {
  it('gives headings the anchors GitHub gives them', () => {
    expect(anchorOf('Secrets: only those of type `lvs.io/vrrp-auth`')).toBe(
      'secrets-only-those-of-type-lvsiovrrp-auth',
    );
    expect(anchorOf('IPVS sysctls the director sets')).toBe('ipvs-sysctls-the-director-sets');
  });

  it('resolves every relative link to a file and heading that exist', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(10);
    const broken = files
      .flatMap(linksOf)
      .map((l) => ({ l, why: brokenReason(l) }))
      .filter((b) => b.why !== undefined)
      .map((b) => `${relative(repoRoot, b.l.file)}:${b.l.line}: ${b.l.target}: ${b.why}`);
    expect(broken).toEqual([]);
  });
});

describe('LICENSE', () => {
  it('is the licence package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');
    expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });
});
