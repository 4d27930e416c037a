import { describe, expect, it } from 'vitest';
import { validateObject, type ManifestObject } from '../../../src/api/index.js';
import { parseDenyVips } from '../../../src/cli/flags.js';
import { screenDeniedVips } from '../../../src/director/vip-deny.js';
import { virtualServer, vrrpGroup } from '../api/fixtures.js';

const valid = (raw: object): ManifestObject => {
  const r = validateObject(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.object;
};

const group = (name: string, address: string) => {
  const g = vrrpGroup();
  g.metadata.name = name;
  g.spec['virtualIPs'] = [{ address: '192.168.105.250' }, { address }];
  return valid(g);
};
const service = (name: string, ip: string) => {
  const vs = virtualServer();
  vs.metadata.name = name;
  vs.spec['addresses'] = [{ ip, port: 443 }];
  vs.spec['realServers'] = [];
  return valid(vs);
};

// The API server's ClusterIP, the Service CIDR, the node network, one IPv6 range.
const deny = parseDenyVips(['10.96.0.1', '10.96.0.0/12', '192.168.0.0/24', 'fd00:10::/64']);

describe('--deny-vip', () => {
  it('leaves out exactly the objects with a denied VIP, one issue per denied address', () => {
    const ok = [group('ok', '192.168.105.253'), service('ok-vs', '192.168.105.253')];
    const objects = [
      ok[0],
      group('api', '10.96.0.1'),
      service('svc-cidr', '10.100.3.4'),
      group('node-net', '192.168.0.17/24'),
      ok[1],
    ].filter((o) => o !== undefined);
    const r = screenDeniedVips(objects, deny);
    expect(r.allowed).toEqual(ok);
    expect(r.issues.map((i) => [i.kind, i.ref, i.path.join('.'), i.message, i.reason])).toEqual([
      [
        'VrrpGroup',
        'default/api',
        'spec.virtualIPs.1.address',
        '10.96.0.1 is in 10.96.0.1/32, which the cluster administrator does not allow as a VIP (--deny-vip)',
        'VipDenied',
      ],
      [
        'VirtualServer',
        'default/svc-cidr',
        'spec.addresses.0.ip',
        '10.100.3.4 is in 10.96.0.0/12, which the cluster administrator does not allow as a VIP (--deny-vip)',
        'VipDenied',
      ],
      [
        'VrrpGroup',
        'default/node-net',
        'spec.virtualIPs.1.address',
        '192.168.0.17/24 is in 192.168.0.0/24, which the cluster administrator does not allow as a VIP (--deny-vip)',
        'VipDenied',
      ],
    ]);
  });

  it('an empty list allows everything; families never match across', () => {
    const objects = [group('a', '10.96.0.1'), service('b', '2001:db8::1')];
    expect(screenDeniedVips(objects, []).allowed).toEqual(objects);
    expect(screenDeniedVips([service('b', '2001:db8::1')], deny).issues).toEqual([]);
  });

  it.each(['10.96.0.0/33', 'api-server', '10.96.0.1 ', ''])('a bad flag value %j is a usage error', (text) => {
    expect(() => parseDenyVips([text])).toThrow(expect.objectContaining({ code: 'LVS_USAGE' }) as Error);
  });
});
