import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  HEALTH_CHECK_TYPE_DEFAULTS,
  formatDurationMs,
  VirtualServerSchema,
  VrrpGroupSchema,
  type VirtualServer,
  type VrrpGroup,
} from '../../../src/api/index.js';
import {
  exportKeepalived,
  fileSystemSource,
  formatDiagnostic,
  importKeepalived,
  memorySource,
  renderManifests,
} from '../../../src/keepalived/index.js';
import { FIXTURES } from './corpus-fixtures.js';
import { expectGolden } from './golden.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples');

const SEEDS = [
  { seed: 'seed-000', example: 'seed-000-dr-vrrp-redirect' },
  { seed: 'seed-001', example: 'seed-001-dr-loopback-arp' },
];

function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

function importSeed(seed: string) {
  return importKeepalived(join(FIXTURES, seed, 'keepalived.conf'), fileSystemSource);
}

describe.each(SEEDS)('$seed keepalived.conf', ({ seed }) => {
  it('imports with no error and no warning', () => {
    const result = importSeed(seed);
    const problems = result.diagnostics.filter((d) => d.severity !== 'note');
    expect(problems.map(formatDiagnostic)).toEqual([]);
    // What is dropped is only what the project does another way (e-mail alerts), as notes.
    expect(result.diagnostics.every((d) => d.code === 'KA_SUPERSEDED')).toBe(true);
  });

  it('equals the hand-written expected manifests', () => {
    const expected = yamlDocuments(readFileSync(join(FIXTURES, seed, 'expected.yaml'), 'utf8'));
    expect(importSeed(seed).objects.map((o) => o.manifest)).toEqual(expected);
  });

  it('renders the golden YAML', () => {
    const result = importSeed(seed);
    const text = renderManifests(result.objects, result.files).replaceAll(`${FIXTURES}/`, '');
    expectGolden(join(FIXTURES, 'golden', `${seed}.yaml`), text);
  });
});

/**
 * The meaning of a VirtualServer, without what keepalived.conf cannot know (how backends accept
 * the VIP is realserver-side configuration) and with defaults and cascades resolved: service
 * checks pushed down to servers, check retries from the per-type defaults.
 */
function meaningOfService(vs: VirtualServer) {
  const { healthChecks, inhibitOnFailure, realServers, vrrpGroupRef: _ref, ...rest } = vs.spec;
  return {
    ...rest,
    hasVrrpGroup: vs.spec.vrrpGroupRef !== undefined,
    realServers: (realServers ?? []).map(({ acceptVIP: _a, node: _n, ...rs }) => ({
      ...rs,
      inhibitOnFailure: rs.inhibitOnFailure ?? inhibitOnFailure,
      healthChecks: (rs.healthChecks ?? healthChecks ?? []).map((c) => ({
        ...c,
        retry: c.retry ?? HEALTH_CHECK_TYPE_DEFAULTS[c.type].retry,
        delayBeforeRetry: c.delayBeforeRetry ?? formatDurationMs(HEALTH_CHECK_TYPE_DEFAULTS[c.type].delayBeforeRetryMs),
      })),
    })),
  };
}

function meaningOfGroup(g: VrrpGroup) {
  const { authentication, ...rest } = g.spec;
  return { ...rest, authentication: authentication?.type };
}

function exampleObjects(folder: string): unknown[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => yamlDocuments(readFileSync(join(folder, f), 'utf8')));
}

describe.each(SEEDS)('$seed against examples/$example', ({ seed, example }) => {
  const folder = join(EXAMPLES, example);
  it.skipIf(!existsSync(folder))('means the same as the example manifests (modulo names and comments)', () => {
    const imported = importSeed(seed).objects.map((o) => o.manifest as unknown);
    const examples = exampleObjects(folder);
    const groups = (objs: unknown[]) =>
      objs.flatMap((o) => {
        const r = VrrpGroupSchema.safeParse(o);
        return r.success ? [meaningOfGroup(r.data)] : [];
      });
    const services = (objs: unknown[]) =>
      objs.flatMap((o) => {
        const r = VirtualServerSchema.safeParse(o);
        return r.success ? [meaningOfService(r.data)] : [];
      });
    expect(groups(imported)).toEqual(groups(examples));
    expect(services(imported)).toEqual(services(examples));
  });
});

describe('examples/ written back as keepalived.conf', () => {
  const folders = existsSync(EXAMPLES)
    ? readdirSync(EXAMPLES).filter((f) => exampleObjects(join(EXAMPLES, f)).length > 0)
    : [];
  it.each(folders)('%s exports, and the export imports again without errors, to the same services', (folder) => {
    const docs = exampleObjects(join(EXAMPLES, folder));
    const exported = exportKeepalived(docs.map((value) => ({ value, source: { file: folder, line: 1, col: 1 } })));
    expect(exported.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    const again = importKeepalived('exported.conf', memorySource({ 'exported.conf': exported.text }));
    expect(again.diagnostics.filter((d) => d.severity !== 'note').map(formatDiagnostic)).toEqual([]);
    const kinds = (objs: unknown[]) =>
      objs
        .map((o) => (o as { kind?: string }).kind)
        .filter((k) => k !== 'Secret')
        .sort();
    expect(kinds(again.objects.map((o) => o.manifest))).toEqual(kinds(docs).filter((k) => k !== 'RealServer'));
    // Export resolves a realServerSelector into the servers it selects: compare the counts.
    const labelsOf = (o: unknown) => (o as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
    const selected = (objs: unknown[], sel: Record<string, string> | undefined) =>
      sel === undefined
        ? 0
        : objs.filter(
            (o) =>
              (o as { kind?: string }).kind === 'RealServer' &&
              Object.entries(sel).every(([k, v]) => labelsOf(o)[k] === v),
          ).length;
    const services = (objs: unknown[]) =>
      objs.flatMap((o) => {
        const r = VirtualServerSchema.safeParse(o);
        if (!r.success) return [];
        const { realServerSelector, ...meaning } = meaningOfService(r.data);
        const servers = meaning.realServers.length + selected(objs, realServerSelector?.matchLabels);
        return [{ ...meaning, realServers: servers }];
      });
    expect(services(again.objects.map((o) => o.manifest))).toEqual(services(docs));
  });
});
