import { describe, expect, it } from 'vitest';
import { OPEN_VIP_POLICY, validateObject, type ManifestObject } from '../../../src/api/index.js';
import { parseVipPolicy } from '../../../src/cli/flags.js';
import { screenVips } from '../../../src/director/vip-policy.js';
import { buildModel, nameKey } from '../../../src/model/index.js';
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

const modelOf = (objects: readonly ManifestObject[]) => buildModel(objects, () => undefined);
/** The entries of a model as "Kind ns/name", groups then services. */
const entries = (m: ReturnType<typeof modelOf>) =>
  [...m.groups, ...m.services].map((e) => `${e.ref.kind} ${nameKey(e.ref)}`);

// The API server's ClusterIP, the Service CIDR, the node network, one IPv6 range.
const deny = parseVipPolicy({ allowVip: [], denyVip: ['10.96.0.1', '10.96.0.0/12', '192.168.0.0/24', 'fd00:10::/64'] });

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
    const r = screenVips(modelOf(objects), deny);
    expect(r.allowed).toEqual(modelOf(ok));
    // The model lists groups before services: the issues follow that order.
    expect(r.issues.map((i) => [i.object.kind, nameKey(i.object), i.path.join('.'), i.message, i.reason])).toEqual([
      [
        'VrrpGroup',
        'default/api',
        'spec.virtualIPs.1.address',
        '10.96.0.1 is in 10.96.0.1/32, which the cluster administrator does not allow as a VIP (--deny-vip)',
        'VipDenied',
      ],
      [
        'VrrpGroup',
        'default/node-net',
        'spec.virtualIPs.1.address',
        '192.168.0.17/24 is in 192.168.0.0/24, which the cluster administrator does not allow as a VIP (--deny-vip)',
        'VipDenied',
      ],
      [
        'VirtualServer',
        'default/svc-cidr',
        'spec.addresses.0.ip',
        '10.100.3.4 is in 10.96.0.0/12, which the cluster administrator does not allow as a VIP (--deny-vip)',
        'VipDenied',
      ],
    ]);
  });

  it('an empty list allows everything; families never match across', () => {
    const objects = [group('a', '10.96.0.1'), service('b', '2001:db8::1')];
    expect(screenVips(modelOf(objects), OPEN_VIP_POLICY).allowed).toEqual(modelOf(objects));
    expect(screenVips(modelOf([service('b', '2001:db8::1')]), deny).issues).toEqual([]);
  });

  it('--allow-vip leaves out VIPs outside its ranges; --deny-vip still applies inside them', () => {
    const policy = parseVipPolicy({ allowVip: ['192.168.105.0/24', '2001:db8::/64'], denyVip: ['192.168.105.1'] });
    const objects = [
      group('in', '192.168.105.253'),
      service('outside', '10.1.2.3'),
      service('denied-inside', '192.168.105.1'),
      service('v6', '2001:db8::1'),
    ];
    const r = screenVips(modelOf(objects), policy);
    expect(entries(r.allowed)).toEqual(['VrrpGroup default/in', 'VirtualServer default/v6']);
    expect(r.issues.map((i) => [nameKey(i.object), i.message])).toEqual([
      [
        'default/outside',
        '10.1.2.3 is outside the ranges the cluster administrator allows for VIPs (--allow-vip: 192.168.105.0/24, 2001:db8::/64)',
      ],
      [
        'default/denied-inside',
        '192.168.105.1 is in 192.168.105.1/32, which the cluster administrator does not allow as a VIP (--deny-vip)',
      ],
    ]);
  });

  it.each(['10.96.0.0/33', 'api-server', '10.96.0.1 ', ''])('a bad flag value %j is a usage error', (text) => {
    expect(() => parseVipPolicy({ allowVip: [], denyVip: [text] })).toThrow(
      expect.objectContaining({ code: 'LVS_USAGE' }) as Error,
    );
  });
});
