import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualServerSchema } from '../../../src/api/index.js';
import { convertIpvsadmRules, formatDiagnostic, renderManifests } from '../../../src/keepalived/index.js';
import { FIXTURES } from './corpus-fixtures.js';
import { expectGolden } from './golden.js';

const DIR = join(FIXTURES, 'ipvsadm');

describe('ipvsadm-save rules', () => {
  it.each(['seed-002', 'features'])('%s.rules converts with no diagnostics to the golden manifests', (name) => {
    const file = `${name}.rules`;
    const result = convertIpvsadmRules(readFileSync(join(DIR, file), 'utf8'), file);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    for (const o of result.objects) expect(VirtualServerSchema.safeParse(o.manifest).success).toBe(true);
    expectGolden(join(FIXTURES, 'golden', `ipvsadm-${name}.yaml`), renderManifests(result.objects, result.files));
  });

  it('reproduces seed 002: NAT, wlc, two servers of weight 1', () => {
    const result = convertIpvsadmRules(readFileSync(join(DIR, 'seed-002.rules'), 'utf8'), 'seed-002.rules');
    expect(result.objects.map((o) => o.manifest)).toEqual([
      {
        apiVersion: 'lvs.io/v1alpha1',
        kind: 'VirtualServer',
        metadata: { name: 'vs-203-0-113-100-80' },
        spec: {
          addresses: [{ ip: '203.0.113.100', port: 80 }],
          protocol: 'TCP',
          scheduler: 'wlc',
          forwarding: 'NAT',
          realServers: [
            { address: '192.168.100.21', port: 80, weight: 1 },
            { address: '192.168.100.22', port: 80, weight: 1 },
          ],
        },
      },
    ]);
  });

  it('writes RealServer objects on request', () => {
    const result = convertIpvsadmRules(readFileSync(join(DIR, 'seed-002.rules'), 'utf8'), 'r', {
      realServerObjects: true,
      namespace: 'lb',
    });
    expect(
      result.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`),
    ).toEqual([
      'VirtualServer/lb/vs-203-0-113-100-80',
      'RealServer/lb/vs-203-0-113-100-80-192-168-100-21-80',
      'RealServer/lb/vs-203-0-113-100-80-192-168-100-22-80',
    ]);
  });

  it.each([
    { name: 'host names', text: '-A -t www.example.com:http -s rr', codes: ['KA_BAD_ADDRESS@1:7'] },
    { name: 'unknown option', text: '-A -t 10.0.0.1:80 --frobnicate', codes: ['KA_IPVSADM_SYNTAX@1:19'] },
    { name: 'no command', text: '-t 10.0.0.1:80 -s rr', codes: ['KA_IPVSADM_SYNTAX@1:1'] },
    { name: 'missing value', text: '-A -t 10.0.0.1:80 -s', codes: ['KA_IPVSADM_SYNTAX@1:19'] },
    {
      name: 'bad weight',
      text: '-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -w x',
      codes: ['KA_BAD_VALUE@2:37'],
    },
    { name: 'server of no service', text: '-a -t 10.0.0.1:80 -r 10.0.0.2:80', codes: ['KA_UNDEFINED_REFERENCE@1:1'] },
    { name: 'service added twice', text: '-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80', codes: ['KA_DUPLICATE@2:1'] },
    { name: 'unknown scheduler', text: '-A -t 10.0.0.1:80 -s best', codes: ['KA_BAD_VALUE@1:1'] },
  ])('reports $name', ({ text, codes }) => {
    const result = convertIpvsadmRules(text, 'rules');
    expect(result.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`)).toEqual(codes);
  });
});
