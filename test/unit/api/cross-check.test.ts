import { describe, expect, it } from 'vitest';
import { crossCheck, formatPath, validateObject, type ManifestObject } from '../../../src/api/index.js';
import { realServer, virtualServer, vrrpGroup } from './fixtures.js';

const parse = (raw: unknown): ManifestObject => {
  const r = validateObject(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.object;
};
const named = <T extends { metadata: { name: string } }>(o: T, name: string, spec: Record<string, unknown> = {}) => ({
  ...o,
  metadata: { ...o.metadata, name },
  spec: { ...(o as unknown as { spec: object }).spec, ...spec },
});

const issuesOf = (objects: unknown[]) =>
  crossCheck(objects.map(parse)).map((i) => ({
    index: i.index,
    path: formatPath(i.path),
    severity: i.severity,
    message: i.message,
  }));

describe('cross-object checks', () => {
  it('warns when a group references a Secret a cluster would not read (not of type lvs.io/vrrp-auth)', () => {
    const g = named(vrrpGroup(), 'vi-1', {
      authentication: { type: 'PASS', secretRef: { name: 'auth', key: 'password' } },
    });
    const secret = (type?: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'auth' },
      ...(type ? { type } : {}),
      stringData: { password: '1111' },
    });
    const warning = {
      index: 0,
      path: 'spec.authentication.secretRef.name',
      severity: 'warning',
      message: 'Secret auth is not of type lvs.io/vrrp-auth; in a cluster only Secrets of that type are read',
    };
    expect(issuesOf([g, secret('Opaque')])).toEqual([warning]);
    expect(issuesOf([g, secret()])).toEqual([warning]);
    expect(issuesOf([g, secret('lvs.io/vrrp-auth')])).toEqual([]);
  });

  it('accepts a consistent set', () => {
    const g = vrrpGroup();
    const vs = named(virtualServer(), 'web', { vrrpGroupRef: { name: 'vi-1' } });
    expect(issuesOf([g, vs])).toEqual([]);
  });

  it.each([
    {
      name: 'duplicate object',
      objects: [virtualServer(), named(virtualServer(), 'web', { addresses: [{ ip: '10.9.9.9', port: 80 }] })],
      expected: { index: 1, path: 'metadata.name', message: 'duplicate VirtualServer default/web' },
    },
    {
      name: 'same VRID on the same interface',
      objects: [vrrpGroup(), named(vrrpGroup(), 'vi-2', { virtualIPs: [{ address: '10.1.1.1' }] })],
      expected: {
        index: 1,
        path: 'spec.virtualRouterId',
        message:
          'VRID 51 on interface eth0 is already used by VrrpGroup default/vi-1; a VRID must be unique per interface and address family',
      },
    },
    {
      name: 'same VIP in two groups',
      objects: [vrrpGroup(), named(vrrpGroup(), 'vi-2', { virtualRouterId: 52 })],
      expected: {
        index: 1,
        path: 'spec.virtualIPs[0].address',
        message: 'virtual IP 192.168.105.253 is already held by VrrpGroup default/vi-1',
      },
    },
    {
      name: 'same VIP:port/protocol in two services',
      objects: [virtualServer(), named(virtualServer(), 'web-2')],
      expected: {
        index: 1,
        path: 'spec.addresses[0]',
        message: '192.168.105.253:80/TCP is already served by VirtualServer default/web',
      },
    },
    {
      name: 'vrrpGroupRef to nothing',
      objects: [named(virtualServer(), 'web', { vrrpGroupRef: { name: 'missing' } })],
      expected: { index: 0, path: 'spec.vrrpGroupRef.name', message: 'VrrpGroup default/missing does not exist' },
    },
    {
      name: 'selector matching nothing',
      objects: [
        realServer(),
        named(virtualServer(), 'web', { realServers: undefined, realServerSelector: { matchLabels: { app: 'api' } } }),
      ],
      expected: {
        index: 1,
        path: 'spec.realServerSelector',
        message: 'realServerSelector matches no RealServer in namespace default',
      },
    },
  ])('$name', ({ objects, expected }) => {
    expect(issuesOf(objects)).toContainEqual({ ...expected, severity: 'error' });
  });

  it('keeps the first of two conflicting objects (only the later one gets the issue)', () => {
    const issues = issuesOf([virtualServer(), named(virtualServer(), 'web-2')]);
    expect(issues.map((i) => i.index)).toEqual([1]);
  });

  it('UDP and TCP on the same VIP:port do not conflict', () => {
    expect(issuesOf([virtualServer(), named(virtualServer(), 'dns', { protocol: 'UDP' })])).toEqual([]);
  });

  it('warns when a service VIP is not carried by its VrrpGroup', () => {
    const vs = named(virtualServer(), 'web', {
      vrrpGroupRef: { name: 'vi-1' },
      addresses: [{ ip: '10.7.7.7', port: 80 }],
    });
    expect(issuesOf([vrrpGroup(), vs])).toEqual([
      {
        index: 1,
        path: 'spec.addresses[0].ip',
        severity: 'warning',
        message: '10.7.7.7 is not a virtual IP of VrrpGroup default/vi-1; nothing will move it on failover',
      },
    ]);
  });
});
