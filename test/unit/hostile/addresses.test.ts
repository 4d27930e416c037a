/**
 * Hostile addresses in every address field: each case gives the exact message at the exact
 * field, the object alone is refused, and the good objects beside it pass unchanged.
 */
import { describe, expect, it } from 'vitest';
import { formatPath, validateObject } from '../../../src/api/index.js';
import { formatDiagnostic, importKeepalived, memorySource } from '../../../src/keepalived/index.js';
import { validateManifestSet } from '../../../src/sources/index.js';
import { realServer, virtualServer, vrrpGroup } from '../api/fixtures.js';

const VRRP = 'a VIP must be a unicast address reachable on the interface';
const VS = 'a VIP must be a unicast address that clients can reach';
const PEER = 'a VRRP peer or source must be a unicast address';
const BACKEND = 'a real server must be a unicast address';
const GENERIC = 'must be an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10';
const GENERIC_PREFIX = 'must be an IPv4 or IPv6 address with an optional prefix length, e.g. 192.0.2.10/24';

type Field = 'vrrpVip' | 'vrrpPeer' | 'vrrpSource' | 'vsVip' | 'vsRealServer' | 'vsSorry' | 'realServer';

/** A valid object with `value` written into one address field, and that field's path. */
function objectWith(field: Field, value: string): { raw: object; path: string } {
  switch (field) {
    case 'vrrpVip': {
      const g = vrrpGroup();
      g.spec['version'] = 3;
      g.spec['virtualIPs'] = [{ address: value }];
      return { raw: g, path: 'spec.virtualIPs[0].address' };
    }
    case 'vrrpPeer': {
      const g = vrrpGroup();
      // Peers must be of the VIPs' family: IPv6 peers go with an IPv6 VRRPv3 group.
      if (value.includes(':')) Object.assign(g.spec, { version: 3, virtualIPs: [{ address: '2001:db8::1' }] });
      g.spec['unicastPeers'] = [value];
      return { raw: g, path: 'spec.unicastPeers[0]' };
    }
    case 'vrrpSource': {
      const g = vrrpGroup();
      g.spec['unicastSourceIP'] = value;
      return { raw: g, path: 'spec.unicastSourceIP' };
    }
    case 'vsVip': {
      const vs = virtualServer();
      vs.spec['addresses'] = [{ ip: value, port: 80 }];
      vs.spec['realServers'] = [];
      return { raw: vs, path: 'spec.addresses[0].ip' };
    }
    case 'vsRealServer': {
      const vs = virtualServer();
      vs.spec['forwarding'] = 'TUN';
      vs.spec['realServers'] = [{ address: value, port: 80 }];
      return { raw: vs, path: 'spec.realServers[0].address' };
    }
    case 'vsSorry': {
      const vs = virtualServer();
      vs.spec['forwarding'] = 'TUN';
      vs.spec['sorryServer'] = { address: value };
      return { raw: vs, path: 'spec.sorryServer.address' };
    }
    case 'realServer': {
      const rs = realServer();
      rs.spec['address'] = value;
      return { raw: rs, path: 'spec.address' };
    }
  }
}

const huge = '1'.repeat(100_000);

const REFUSED: { name: string; field: Field; value: string; message: string }[] = [
  // VrrpGroup virtual IPs: every class, prefixes, and the text forms.
  {
    name: 'unspecified IPv4',
    field: 'vrrpVip',
    value: '0.0.0.0',
    message: `0.0.0.0 is the unspecified address; ${VRRP}`,
  },
  {
    name: 'the default route 0.0.0.0/0',
    field: 'vrrpVip',
    value: '0.0.0.0/0',
    message: `0.0.0.0/0 is the unspecified address; ${VRRP}`,
  },
  {
    name: 'a /0 prefix',
    field: 'vrrpVip',
    value: '10.0.0.1/0',
    message: `10.0.0.1/0 has prefix length 0, which would put every address on-link; ${VRRP}`,
  },
  {
    name: 'limited broadcast',
    field: 'vrrpVip',
    value: '255.255.255.255',
    message: `255.255.255.255 is the broadcast address; ${VRRP}`,
  },
  {
    name: 'loopback 127.0.0.1',
    field: 'vrrpVip',
    value: '127.0.0.1',
    message: `127.0.0.1 is a loopback address; ${VRRP}`,
  },
  {
    name: 'loopback 127.1.2.3/8',
    field: 'vrrpVip',
    value: '127.1.2.3/8',
    message: `127.1.2.3/8 is a loopback address; ${VRRP}`,
  },
  {
    name: "VRRP's own group 224.0.0.18",
    field: 'vrrpVip',
    value: '224.0.0.18',
    message: `224.0.0.18 is a multicast address; ${VRRP}`,
  },
  {
    name: 'cloud metadata 169.254.169.254',
    field: 'vrrpVip',
    value: '169.254.169.254',
    message: `169.254.169.254 is an IPv4 link-local address; ${VRRP}`,
  },
  {
    name: 'network address of a /24',
    field: 'vrrpVip',
    value: '192.168.105.0/24',
    message: `192.168.105.0/24 is the network address of its prefix; ${VRRP}`,
  },
  {
    name: 'broadcast address of a /24',
    field: 'vrrpVip',
    value: '192.168.105.255/24',
    message: `192.168.105.255/24 is the broadcast address of its prefix; ${VRRP}`,
  },
  {
    name: 'broadcast address of a /30',
    field: 'vrrpVip',
    value: '10.0.0.3/30',
    message: `10.0.0.3/30 is the broadcast address of its prefix; ${VRRP}`,
  },
  { name: 'unspecified IPv6', field: 'vrrpVip', value: '::', message: `:: is the unspecified address; ${VRRP}` },
  { name: 'IPv6 loopback', field: 'vrrpVip', value: '::1', message: `::1 is a loopback address; ${VRRP}` },
  {
    name: "VRRP's IPv6 group ff02::12",
    field: 'vrrpVip',
    value: 'ff02::12',
    message: `ff02::12 is a multicast address; ${VRRP}`,
  },
  {
    name: 'fe80:: (subnet-router anycast)',
    field: 'vrrpVip',
    value: 'fe80::',
    message: `fe80:: is the subnet-router anycast address of fe80::/64 (RFC 4291 §2.6.1); ${VRRP}`,
  },
  {
    name: 'IPv6 subnet-router anycast of a /64',
    field: 'vrrpVip',
    value: '2001:db8:10::/64',
    message: `2001:db8:10::/64 is the network address of its prefix; ${VRRP}`,
  },
  {
    name: 'IPv4-mapped IPv6',
    field: 'vrrpVip',
    value: '::ffff:192.168.105.253',
    message: '::ffff:192.168.105.253 is an IPv4-mapped IPv6 address; write it as an IPv4 address',
  },
  {
    name: 'a zone id',
    field: 'vrrpVip',
    value: 'fe80::1%eth0',
    message: 'fe80::1%eth0 has a zone id; zone ids are not allowed (the interface has its own field)',
  },
  {
    name: 'leading zeros (octal elsewhere)',
    field: 'vrrpVip',
    value: '010.0.0.1',
    message: '010.0.0.1 has a leading zero in an IPv4 octet (some tools read it as octal); write it without',
  },
  { name: 'a leading zero in the prefix length', field: 'vrrpVip', value: '10.0.0.1/024', message: GENERIC_PREFIX },
  { name: 'a prefix longer than 32', field: 'vrrpVip', value: '10.0.0.1/33', message: GENERIC_PREFIX },
  {
    name: 'trailing whitespace',
    field: 'vrrpVip',
    value: '10.0.0.1 ',
    message: '"10.0.0.1 " has leading or trailing whitespace',
  },
  { name: 'a huge string', field: 'vrrpVip', value: huge, message: 'Too big: expected string to have <=49 characters' },
  // VirtualServer addresses.
  { name: 'VS: unspecified', field: 'vsVip', value: '0.0.0.0', message: `0.0.0.0 is the unspecified address; ${VS}` },
  { name: 'VS: loopback', field: 'vsVip', value: '127.0.0.1', message: `127.0.0.1 is a loopback address; ${VS}` },
  { name: 'VS: IPv6 link-local', field: 'vsVip', value: 'fe80::1', message: `fe80::1 is a link-local address; ${VS}` },
  {
    name: 'VS: metadata service',
    field: 'vsVip',
    value: '169.254.169.254',
    message: `169.254.169.254 is a link-local address; ${VS}`,
  },
  { name: 'VS: multicast', field: 'vsVip', value: '239.1.1.1', message: `239.1.1.1 is a multicast address; ${VS}` },
  { name: 'VS: a prefix length', field: 'vsVip', value: '10.0.0.1/32', message: GENERIC },
  {
    name: 'VS: a huge string',
    field: 'vsVip',
    value: huge,
    message: 'Too big: expected string to have <=45 characters',
  },
  // Peers and sources.
  {
    name: 'peer: multicast',
    field: 'vrrpPeer',
    value: '224.0.0.18',
    message: `224.0.0.18 is a multicast address; ${PEER}`,
  },
  {
    name: 'peer: loopback',
    field: 'vrrpPeer',
    value: '127.0.0.1',
    message: `127.0.0.1 is a loopback address; ${PEER}`,
  },
  {
    name: 'source: unspecified',
    field: 'vrrpSource',
    value: '0.0.0.0',
    message: `0.0.0.0 is the unspecified address; ${PEER}`,
  },
  // Real servers and the sorry server.
  {
    name: 'real server: broadcast',
    field: 'vsRealServer',
    value: '255.255.255.255',
    message: `255.255.255.255 is the broadcast address; ${BACKEND}`,
  },
  {
    name: 'real server: IPv6 multicast',
    field: 'vsRealServer',
    value: 'ff02::1',
    message: `ff02::1 is a multicast address; ${BACKEND}`,
  },
  {
    name: 'sorry server: unspecified',
    field: 'vsSorry',
    value: '::',
    message: `:: is the unspecified address; ${BACKEND}`,
  },
  {
    name: 'RealServer: unspecified',
    field: 'realServer',
    value: '0.0.0.0',
    message: `0.0.0.0 is the unspecified address; ${BACKEND}`,
  },
  {
    name: 'RealServer: leading whitespace',
    field: 'realServer',
    value: ' 10.0.0.1',
    message: '" 10.0.0.1" has leading or trailing whitespace',
  },
];

const ACCEPTED: { name: string; field: Field; value: string }[] = [
  { name: 'a /31 point-to-point VIP (RFC 3021)', field: 'vrrpVip', value: '10.0.0.0/31' },
  { name: 'a host VIP with the prefix of its segment', field: 'vrrpVip', value: '192.168.105.253/24' },
  { name: 'an IPv6 link-local VRRPv3 VIP (RFC 5798 §5.2.9)', field: 'vrrpVip', value: 'fe80::1' },
  { name: 'a documentation range (TEST-NET-1)', field: 'vrrpVip', value: '192.0.2.10' },
  { name: 'an IPv6 link-local unicast peer', field: 'vrrpPeer', value: 'fe80::2' },
  { name: 'a loopback real server (IPVS local node)', field: 'vsRealServer', value: '127.0.0.1' },
  { name: 'the director itself as real server (seed 003)', field: 'realServer', value: '192.168.164.11' },
];

describe('hostile addresses', () => {
  it.each(REFUSED)('$name: refused at its field with the exact reason', ({ field, value, message }) => {
    const { raw, path } = objectWith(field, value);
    const r = validateObject(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => ({ path: formatPath(i.path), message: i.message }))).toEqual([{ path, message }]);
  });

  it.each(ACCEPTED)('$name: accepted', ({ field, value }) => {
    const r = validateObject(objectWith(field, value).raw);
    expect(r.ok ? [] : r.issues).toEqual([]);
  });

  it('a bad object is refused alone: the good objects beside it pass unchanged', () => {
    const good = [vrrpGroup(), virtualServer(), realServer()];
    const bad = objectWith('vrrpVip', '127.0.0.1').raw as ReturnType<typeof vrrpGroup>;
    bad.metadata.name = 'bad';
    const docs = [...good, bad].map((value, i) => ({ file: 'm.yaml', line: i + 1, value, lineOf: () => i + 1 }));
    const result = validateManifestSet(docs);
    expect(result.objects.map((o) => o.object)).toEqual(
      good.map((g) => (validateObject(g) as { object: unknown }).object),
    );
    expect(result.diagnostics).toEqual([
      {
        file: 'm.yaml',
        line: 4,
        object: 'VrrpGroup/bad',
        path: 'spec.virtualIPs[0].address',
        message: `127.0.0.1 is a loopback address; ${VRRP}`,
        severity: 'error',
      },
    ]);
  });
});

const CONF = '/etc/keepalived/keepalived.conf';
const vrrpConf = (vips: string, peers = '') => `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  ${peers}
  virtual_ipaddress {
    ${vips}
  }
}
`;
const vsConf = (vip: string, rs: string) => `virtual_server ${vip} 80 {
  lb_algo rr
  lb_kind DR
  real_server ${rs} 80 {
  }
}
`;

describe('hostile addresses in keepalived.conf', () => {
  it.each([
    {
      name: 'a loopback VIP',
      conf: vrrpConf('127.0.0.1'),
      errors: [
        `${CONF}:1:1: error: VrrpGroup vi-1: spec.virtualIPs.0.address: 127.0.0.1 is a loopback address; ${VRRP} [KA_INVALID_OBJECT]`,
      ],
    },
    {
      name: 'the default route as a VIP',
      conf: vrrpConf('0.0.0.0/0'),
      errors: [
        `${CONF}:1:1: error: VrrpGroup vi-1: spec.virtualIPs.0.address: 0.0.0.0/0 is the unspecified address; ${VRRP} [KA_INVALID_OBJECT]`,
      ],
    },
    {
      name: 'a broadcast unicast peer',
      conf: vrrpConf('192.168.105.253', 'unicast_peer {\n    255.255.255.255\n  }'),
      errors: [
        `${CONF}:1:1: error: VrrpGroup vi-1: spec.unicastPeers.0: 255.255.255.255 is the broadcast address; ${PEER} [KA_INVALID_OBJECT]`,
      ],
    },
    {
      name: 'a multicast virtual_server and an unspecified real_server',
      conf: vsConf('224.0.0.18', '0.0.0.0'),
      errors: [
        `${CONF}:1:1: error: VirtualServer vs-224-0-0-18-80: spec.addresses.0.ip: 224.0.0.18 is a multicast address; ${VS} [KA_INVALID_OBJECT]`,
        `${CONF}:1:1: error: VirtualServer vs-224-0-0-18-80: spec.realServers.0.address: 0.0.0.0 is the unspecified address; ${BACKEND} [KA_INVALID_OBJECT]`,
      ],
    },
  ])('$name: a precise error, and the object is not imported', ({ conf, errors }) => {
    const result = importKeepalived(CONF, memorySource({ [CONF]: conf }));
    expect(result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual(errors);
    expect(result.objects.filter((o) => o.manifest.kind !== 'Secret')).toEqual([]);
  });
});
