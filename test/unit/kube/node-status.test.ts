import { describe, expect, it } from 'vitest';
import {
  nodeFieldManager,
  nodeOfFieldManager,
  ownedStatusFieldRefs,
  staleStatusRefs,
  type CachedObject,
} from '../../../src/kube/index.js';
import type { NodeStatusItem } from '../../../src/status/index.js';

describe('field managers', () => {
  it.each([
    { name: 'director', manager: nodeFieldManager('lb1'), node: 'lb1' },
    { name: 'realserver', manager: nodeFieldManager('web-1', 'realserver'), node: 'web-1' },
    { name: 'the controller', manager: 'lvs-operator/controller', node: undefined },
    { name: 'anyone else', manager: 'kubectl-client-side-apply', node: undefined },
  ])('$name: $manager', ({ manager, node }) => {
    expect(nodeOfFieldManager(manager, 'lvs-operator/controller')).toBe(node);
  });

  it('gives each role of a node its own manager', () => {
    expect(nodeFieldManager('n1')).not.toBe(nodeFieldManager('n1', 'realserver'));
  });
});

describe('staleStatusRefs', () => {
  const manager = nodeFieldManager('lb1');
  const owned = (name: string, fields: object, m = manager): CachedObject & { metadata: { name: string } } => ({
    metadata: {
      namespace: 'ns',
      name,
      managedFields: [
        { manager: 'kubectl', fieldsV1: {} },
        { manager: m, subresource: 'status', fieldsV1: { 'f:status': fields } },
      ],
    },
  });
  const reported: NodeStatusItem[] = [{ ref: { kind: 'VirtualServer', namespace: 'ns', name: 'live' }, status: {} }];

  it.each([
    { name: 'still reported', obj: owned('live', { 'f:realServers': {} }), stale: false },
    { name: 'owned but no longer reported', obj: owned('gone', { 'f:realServers': {} }), stale: true },
    { name: 'already withdrawn (empty apply)', obj: owned('gone', {}), stale: false },
    { name: "another node's items", obj: owned('gone', { 'f:realServers': {} }, 'lvs-operator/lb2'), stale: false },
    {
      name: 'never written',
      obj: { metadata: { namespace: 'ns', name: 'x' } } as CachedObject & { metadata: { name: string } },
      stale: false,
    },
  ])('$name', ({ obj, stale }) => {
    const refs = staleStatusRefs('VirtualServer', [obj], manager, reported);
    expect(refs).toEqual(stale ? [{ kind: 'VirtualServer', namespace: 'ns', name: obj.metadata.name }] : []);
  });
});

describe('ownedStatusFieldRefs', () => {
  const obj = (name: string, manager: string, fields: object): CachedObject => ({
    metadata: {
      namespace: 'ns',
      name,
      managedFields: [{ manager, subresource: 'status', fieldsV1: { 'f:status': fields } }],
    },
  });
  it('finds the RealServers whose status.vips a role wrote under its former manager, and only those', () => {
    const cached = [
      obj('old', 'lvs-operator/web-1', { 'f:vips': {} }),
      obj('director', 'lvs-operator/web-1', { 'f:health': {} }),
      obj('new', 'lvs-operator/web-1/realserver', { 'f:vips': {} }),
      obj('other', 'lvs-operator/web-2', { 'f:vips': {} }),
    ];
    expect(ownedStatusFieldRefs('RealServer', cached, 'lvs-operator/web-1', 'vips')).toEqual([
      { kind: 'RealServer', namespace: 'ns', name: 'old' },
    ]);
  });
});
