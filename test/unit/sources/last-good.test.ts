import { describe, expect, it } from 'vitest';
import {
  EMPTY_SNAPSHOT,
  mergeWithLastGood,
  parseManifestText,
  type ManifestSnapshot,
} from '../../../src/sources/index.js';

const service = (name: string, ip: string, scheduler = 'rr') => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata:
  name: ${name}
spec:
  addresses: [{ ip: ${ip}, port: 80 }]
  scheduler: ${scheduler}
`;

function read(previous: ManifestSnapshot, files: Record<string, string>): ManifestSnapshot {
  const docs = [];
  const diags = [];
  for (const [file, text] of Object.entries(files)) {
    const parsed = parseManifestText(text, file);
    docs.push(...parsed.documents);
    diags.push(...parsed.diagnostics);
  }
  return mergeWithLastGood(previous, docs, diags);
}

const names = (s: ManifestSnapshot) =>
  s.objects.map((o) => `${o.object.metadata.name}:${o.object.kind === 'VirtualServer' ? o.object.spec.scheduler : ''}`);

describe('last good state', () => {
  const first = read(EMPTY_SNAPSHOT, { 'a.yaml': service('a', '10.0.0.1'), 'b.yaml': service('b', '10.0.0.2') });

  it('takes valid objects as they are', () => {
    expect(names(first)).toEqual(['a:rr', 'b:rr']);
    expect(first.stale).toEqual([]);
  });

  it('keeps the objects of a file with a YAML error', () => {
    const next = read(first, { 'a.yaml': 'kind: [', 'b.yaml': service('b', '10.0.0.2', 'wlc') });
    expect(names(next)).toEqual(['b:wlc', 'a:rr']);
    expect(next.stale).toEqual(['VirtualServer/default/a']);
    expect(next.diagnostics.some((d) => d.file === 'a.yaml' && d.severity === 'error')).toBe(true);
  });

  it('keeps the last good version of an object that became invalid', () => {
    const next = read(first, { 'a.yaml': service('a', '10.0.0.1', 'bogus'), 'b.yaml': service('b', '10.0.0.2') });
    expect(names(next)).toEqual(['b:rr', 'a:rr']);
    expect(next.diagnostics.map((d) => d.path)).toContain('spec.scheduler');
  });

  it('drops an object removed from a readable file', () => {
    const next = read(first, { 'a.yaml': service('a', '10.0.0.1'), 'b.yaml': '' });
    expect(names(next)).toEqual(['a:rr']);
  });

  it('a stand-in never wins a conflict against a valid new object', () => {
    // b breaks while a new object c takes b's VIP: b's old version must not push c out.
    const next = read(first, {
      'a.yaml': service('a', '10.0.0.1'),
      'b.yaml': service('b', '10.0.0.2', 'bogus'),
      'c.yaml': service('c', '10.0.0.2'),
    });
    expect(names(next)).toEqual(['a:rr', 'c:rr']);
  });

  it('keeps the objects of every file under a subfolder that cannot be listed, and no others', () => {
    const before = read(EMPTY_SNAPSHOT, {
      'm/sub/a.yaml': service('a', '10.0.0.1'),
      'm/sub2/b.yaml': service('b', '10.0.0.2'),
    });
    const after = mergeWithLastGood(
      before,
      [],
      [{ file: 'm/sub', line: 1, column: 1, message: 'cannot list folder: EACCES' }],
    );
    expect(names(after)).toEqual(['a:rr']);
    expect(after.stale).toEqual(['VirtualServer/default/a']);
  });
});
