import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiException, ApiextensionsV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { validateObject } from '../../src/api/index.js';
import { describeWithApiServer } from './api-server.js';
import { apply, freshNamespace, kubeConfigFrom, readManifests, repoRoot } from './cluster.js';

const vrrpGroup = (spec: Record<string, unknown>) => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VrrpGroup',
  metadata: { name: 'g' },
  spec: { virtualRouterId: 51, version: 2, interface: 'eth0', virtualIPs: [{ address: '192.0.2.10' }], ...spec },
});

const virtualServer = (spec: Record<string, unknown>) => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VirtualServer',
  metadata: { name: 'vs' },
  spec: {
    addresses: [{ ip: '192.0.2.10', port: 80 }],
    scheduler: 'wlc',
    forwarding: 'DR',
    realServers: [{ address: '192.0.2.21', port: 80, weight: 1 }],
    ...spec,
  },
});

const withCheck = (check: Record<string, unknown>) => virtualServer({ healthChecks: [check] });

/** Each object breaks one CEL rule of src/api; the API server must answer with its message. */
const INVALID: { name: string; object: KubernetesObject; message: string }[] = [
  {
    name: 'IPv6 VIP in VRRPv2',
    object: vrrpGroup({ virtualIPs: [{ address: '2001:db8::10' }] }),
    message: 'IPv6 virtual IPs need version: 3 (VRRPv2 carries IPv4 only)',
  },
  {
    name: 'mixed address families',
    object: vrrpGroup({ version: 3, virtualIPs: [{ address: '192.0.2.10' }, { address: '2001:db8::10' }] }),
    message: 'virtual IPs of one group must be all IPv4 or all IPv6; use a second group for the other family',
  },
  {
    name: 'IPv6 excluded VIP in VRRPv2',
    object: vrrpGroup({ excludedVirtualIPs: [{ address: '2001:db8::11' }] }),
    message: 'IPv6 excluded virtual IPs need version: 3',
  },
  {
    name: 'PASS authentication in VRRPv3',
    object: vrrpGroup({ version: 3, authentication: { type: 'PASS', secretRef: { name: 's', key: 'password' } } }),
    message: 'authentication PASS exists only in VRRP version 2; remove it or set version: 2',
  },
  {
    name: 'VRRPv2 interval in milliseconds',
    object: vrrpGroup({ advertInterval: '1500ms' }),
    message: 'version 2 advertInterval must be whole seconds from 1s to 255s',
  },
  {
    name: 'VRRPv3 interval off the 10 ms grid',
    object: vrrpGroup({ version: 3, advertInterval: '15ms' }),
    message: 'version 3 advertInterval must be 10ms to 40.95s in steps of 10ms',
  },
  {
    name: 'preemptDelay without preempt',
    object: vrrpGroup({ preempt: false, preemptDelay: '5s' }),
    message: 'preemptDelay needs preempt: true (without preemption there is nothing to delay)',
  },
  {
    name: 'IPv6 unicast peer of an IPv4 group',
    object: vrrpGroup({ unicastPeers: ['2001:db8::2'] }),
    message: 'unicast peers must be of the same address family as the virtual IPs',
  },
  {
    name: 'addresses and fwmark together',
    object: virtualServer({ fwmark: 7 }),
    message: 'set exactly one of addresses (VIP:port pairs) or fwmark',
  },
  {
    name: 'port 0 without persistence',
    object: virtualServer({ addresses: [{ ip: '192.0.2.10', port: 0 }] }),
    message: 'port 0 (every port) needs persistence',
  },
  {
    name: 'sh flag with wlc',
    object: virtualServer({ schedulerFlags: ['sh-port'] }),
    message: 'sh-* flags need scheduler sh and mh-* flags need scheduler mh',
  },
  {
    name: 'one-packet scheduling for TCP',
    object: virtualServer({ onePacket: true }),
    message: 'onePacket scheduling applies to UDP only',
  },
  {
    name: 'tunnel settings with DR',
    object: virtualServer({ tunnel: { type: 'IPIP' } }),
    message: 'tunnel settings need forwarding: TUN',
  },
  {
    name: 'GUE without a port',
    object: virtualServer({ forwarding: 'TUN', tunnel: { type: 'GUE' } }),
    message: 'tunnel type GUE needs a port, and only GUE takes one',
  },
  {
    name: 'IPIP with a checksum',
    object: virtualServer({ forwarding: 'TUN', tunnel: { type: 'IPIP', checksum: 'Checksum' } }),
    message: 'tunnel checksum options apply to GUE and GRE, not IPIP',
  },
  {
    name: 'IPv4 persistence granularity above 32',
    object: virtualServer({ persistence: { granularity: 64 } }),
    message: 'persistence granularity of an IPv4 service is a prefix length of at most 32',
  },
  {
    name: 'weights with rr',
    object: virtualServer({ scheduler: 'rr', realServers: [{ address: '192.0.2.21', port: 80, weight: 3 }] }),
    message:
      'weights above 1 have no effect with scheduler rr, lc or dh (only 0 versus non-zero counts); use wrr or wlc',
  },
  {
    name: 'IPv6 DR real server of an IPv4 service',
    object: virtualServer({ realServers: [{ address: '2001:db8::21', port: 80, weight: 1 }] }),
    message: 'DR and NAT real servers must have the address family of the service; only TUN may mix',
  },
  {
    name: 'Tunnel acceptVIP with DR',
    object: virtualServer({
      realServers: [{ address: '192.0.2.21', port: 80, weight: 1, acceptVIP: { mode: 'Tunnel' } }],
    }),
    message: 'acceptVIP mode Tunnel is for TUN forwarding; DR uses Loopback or IptablesRedirect',
  },
  {
    name: 'programOn Master without a group',
    object: virtualServer({ programOn: 'Master' }),
    message: 'programOn: Master needs a vrrpGroupRef (which master?)',
  },
  {
    name: 'haSuspend without a group',
    object: virtualServer({ haSuspend: true }),
    message: 'haSuspend needs a vrrpGroupRef (it follows the VIP)',
  },
  {
    name: 'HTTP check without its block',
    object: withCheck({ type: 'HTTP' }),
    message: 'type HTTP/HTTPS needs a http block',
  },
  {
    name: 'http block on a TCP check',
    object: withCheck({ type: 'TCP', http: { urls: [{ path: '/' }] } }),
    message: 'http settings apply only to type HTTP or HTTPS',
  },
  {
    name: 'tls on an HTTP check',
    object: withCheck({ type: 'HTTP', http: { urls: [{ path: '/' }], tls: {} } }),
    message: 'tls settings apply only to type HTTPS',
  },
  {
    name: 'NUL byte in a MISC check argument',
    object: withCheck({ type: 'MISC', misc: { command: ['/usr/local/bin/check', 'a\u0000b'] } }),
    // The API server quotes the CRD's pattern (no control characters) after this.
    message: "spec.healthChecks[0].misc.command[1] in body should match '^[^",
  },
  {
    name: 'newline in a notify hook',
    object: vrrpGroup({ notify: { master: ['/usr/local/bin/notify', 'ok\nforged log line'] } }),
    message: "spec.notify.master[1] in body should match '^[^",
  },
  {
    name: 'empty program of a track script',
    object: vrrpGroup({ trackScripts: [{ name: 't', command: ['', '-c', 'id'] }] }),
    message: 'the program must not be empty',
  },
  {
    name: 'UDP reply length bounds reversed',
    object: withCheck({ type: 'UDP', udp: { minReplyLength: 10, maxReplyLength: 5 } }),
    message: 'maxReplyLength must not be smaller than minReplyLength',
  },
];

const VIP = 'a VIP must be a unicast address reachable on the interface';
const SERVICE_VIP = 'a VIP must be a unicast address that clients can reach';

/**
 * Addresses that make no sense in their field (src/api/address-policy.ts): the API server's
 * CEL rules and zod give the same words.
 */
const INVALID_ADDRESSES: { name: string; object: KubernetesObject; message: string }[] = [
  ['0.0.0.0', 'is the unspecified address'],
  ['0.0.0.0/0', 'is the unspecified address'],
  ['10.0.0.1/0', 'has prefix length 0, which would put every address on-link'],
  ['255.255.255.255', 'is the broadcast address'],
  ['127.0.0.1', 'is a loopback address'],
  ['224.0.0.18', 'is a multicast address'],
  ['169.254.169.254', 'is an IPv4 link-local address'],
  ['192.0.2.0/24', 'is the network address of its prefix'],
].map(([address = '', says = '']) => ({
  name: `VIP ${address}`,
  object: vrrpGroup({ virtualIPs: [{ address }] }),
  message: `${address} ${says}; ${VIP}`,
}));
INVALID_ADDRESSES.push(
  ...[
    ['::', 'is the unspecified address'],
    ['::1', 'is a loopback address'],
    ['ff02::12', 'is a multicast address'],
    ['fe80::', 'is the subnet-router anycast address of fe80::/64 (RFC 4291 §2.6.1)'],
  ].map(([address = '', says = '']) => ({
    name: `VIP ${address}`,
    object: vrrpGroup({ version: 3, virtualIPs: [{ address }] }),
    message: `${address} ${says}; ${VIP}`,
  })),
  ...[
    ['::ffff:192.0.2.10', '::ffff:192.0.2.10 is an IPv4-mapped IPv6 address; write it as an IPv4 address'],
    ['fe80::1%eth0', 'fe80::1%eth0 has a zone id; zone ids are not allowed (the interface has its own field)'],
    ['010.0.0.1', '010.0.0.1 has a leading zero in an IPv4 octet (some tools read it as octal); write it without'],
    [' 192.0.2.10', '" 192.0.2.10" has leading or trailing whitespace'],
  ].map(([address = '', message = '']) => ({
    name: `VIP text ${JSON.stringify(address)}`,
    object: vrrpGroup({ version: 3, virtualIPs: [{ address }] }),
    message,
  })),
  {
    name: 'VirtualServer on a link-local address',
    object: virtualServer({ addresses: [{ ip: 'fe80::1', port: 80 }], realServers: [] }),
    message: `fe80::1 is a link-local address; ${SERVICE_VIP}`,
  },
  {
    name: 'VirtualServer on loopback',
    object: virtualServer({ addresses: [{ ip: '127.0.0.1', port: 80 }] }),
    message: `127.0.0.1 is a loopback address; ${SERVICE_VIP}`,
  },
  {
    name: 'multicast unicast peer',
    object: vrrpGroup({ unicastPeers: ['224.0.0.18'] }),
    message: '224.0.0.18 is a multicast address; a VRRP peer or source must be a unicast address',
  },
  {
    name: 'unspecified real server',
    object: virtualServer({ realServers: [{ address: '0.0.0.0', port: 80 }] }),
    message: '0.0.0.0 is the unspecified address; a real server must be a unicast address',
  },
);

describeWithApiServer('CRDs against a real API server', (kubeconfigPath) => {
  const kc = kubeConfigFrom(kubeconfigPath);
  let invalidNamespace = '';

  beforeAll(async () => {
    invalidNamespace = await freshNamespace(kc, 'invalid');
  });

  it('accepts every CRD as structural and Established', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const names = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata?.name).sort();
    expect(names).toEqual(['realservers.lvs.io', 'virtualservers.lvs.io', 'vrrpgroups.lvs.io']);
    for (const name of names) {
      const crd = await ext.readCustomResourceDefinition({ name: name ?? '' });
      const conditions = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c.status]));
      expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
      expect(conditions['NonStructuralSchema']).toBeUndefined();
    }
  });

  it('applies every example, Secrets included, in a namespace of its own, defaulted as the schema does', async () => {
    const examples = (await readdir(join(repoRoot, 'examples'), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const namespace = await freshNamespace(kc, `ex-${example}`);
      const dir = join(repoRoot, 'examples', example);
      const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
      for (const file of files) {
        for (const doc of await readManifests(join(dir, file))) {
          const obj = { ...doc, metadata: { ...doc.metadata, namespace } };
          const what = `${example}/${file}: ${doc.kind}/${doc.metadata?.name}`;
          const stored = (await apply(kc, obj)) as { spec?: unknown };
          if (doc.kind === 'Secret') continue;
          // The CRD's OpenAPI defaults and the zod schema's defaults are one table.
          const parsed = validateObject(obj);
          expect(parsed.ok, what).toBe(true);
          if (parsed.ok && 'spec' in parsed.object) expect(stored.spec, what).toEqual(parsed.object.spec);
        }
      }
    }
  });

  it('has at least 15 rejection cases', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(15);
  });

  it.each(INVALID)('rejects $name with the schema message', async ({ object, message }) => {
    const api = KubernetesObjectApi.makeApiClient(kc);
    const obj = { ...object, metadata: { ...object.metadata, namespace: invalidNamespace } };
    const err: unknown = await api.create(obj, undefined, 'All').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'the API server accepted the object').toBeInstanceOf(ApiException);
    const status = err as ApiException<unknown>;
    expect(status.code).toBe(422);
    expect(JSON.stringify(status.body)).toContain(JSON.stringify(message).slice(1, -1));
  });

  it.each(INVALID_ADDRESSES)('rejects $name with the message zod gives', async ({ object, message }) => {
    const zod = validateObject(object);
    expect(zod.ok ? [] : zod.issues.map((i) => i.message)).toEqual([message]);
    const api = KubernetesObjectApi.makeApiClient(kc);
    const obj = { ...object, metadata: { ...object.metadata, namespace: invalidNamespace } };
    const err: unknown = await api.create(obj, undefined, 'All').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'the API server accepted the object').toBeInstanceOf(ApiException);
    const status = err as ApiException<unknown>;
    expect(status.code).toBe(422);
    // The body is the Status as JSON text: the message appears JSON-escaped once.
    const body = typeof status.body === 'string' ? status.body : JSON.stringify(status.body);
    expect(body).toContain(JSON.stringify(message).slice(1, -1));
  });

  it('accepts the addresses that have a use: IPv6 link-local VRRPv3 VIP, /31, loopback real server', async () => {
    const api = KubernetesObjectApi.makeApiClient(kc);
    const objects = [
      vrrpGroup({ version: 3, virtualIPs: [{ address: 'fe80::1' }, { address: '2001:db8::10/64' }] }),
      vrrpGroup({ virtualIPs: [{ address: '192.0.2.0/31' }] }),
      virtualServer({ forwarding: 'NAT', realServers: [{ address: '127.0.0.1', port: 80, weight: 1 }] }),
    ];
    for (const [i, base] of objects.entries()) {
      expect(validateObject(base).ok).toBe(true);
      const obj = { ...base, metadata: { name: `ok-${i}`, namespace: invalidNamespace } };
      await api.create(obj, undefined, 'All');
    }
  });

  it('accepts the valid bases of the rejection cases, with the schema defaults filled in', async () => {
    const api = KubernetesObjectApi.makeApiClient(kc);
    for (const base of [
      vrrpGroup({}),
      virtualServer({}),
      withCheck({ type: 'HTTP', http: { urls: [{ path: '/' }] } }),
    ]) {
      const obj = { ...base, metadata: { ...base.metadata, namespace: invalidNamespace } };
      const created = (await api.create(obj, undefined, 'All')) as { spec?: unknown };
      const parsed = validateObject(obj);
      expect(parsed.ok && 'spec' in parsed.object ? parsed.object.spec : undefined).toEqual(created.spec);
    }
  });
});
