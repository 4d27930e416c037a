import { describe, expect, it } from 'vitest';
import { formatPath, validateObject } from '../../../src/api/index.js';
import { httpCheck, realServer, virtualServer, vrrpGroup } from './fixtures.js';

interface Case {
  name: string;
  object: unknown;
  path: string;
  message: string | RegExp;
}

const withSpec = (
  base: ReturnType<typeof vrrpGroup | typeof virtualServer | typeof realServer>,
  spec: Record<string, unknown>,
) => ({
  ...base,
  spec: { ...base.spec, ...spec },
});
const vg = (spec: Record<string, unknown>) => withSpec(vrrpGroup(), spec);
const vs = (spec: Record<string, unknown>) => withSpec(virtualServer(), spec);
const rs = (spec: Record<string, unknown>) => withSpec(realServer(), spec);
const check = (c: Record<string, unknown>) => vs({ healthChecks: [c] });

const cases: Case[] = [
  // envelope
  {
    name: 'not a mapping',
    object: ['a'],
    path: '',
    message: 'a manifest must be a mapping with apiVersion, kind, metadata and spec',
  },
  { name: 'missing kind', object: { apiVersion: 'lvs.io/v1alpha1' }, path: 'kind', message: /^kind is required/ },
  {
    name: 'unknown kind',
    object: { ...vrrpGroup(), kind: 'VrrpGrup' },
    path: 'kind',
    message: /^unknown kind "VrrpGrup": expected VrrpGroup, VirtualServer, RealServer/,
  },
  {
    name: 'wrong apiVersion',
    object: { ...vrrpGroup(), apiVersion: 'lvs.io/v1' },
    path: 'apiVersion',
    message: 'apiVersion must be lvs.io/v1alpha1',
  },
  { name: 'unknown top-level field', object: { ...vrrpGroup(), extra: 1 }, path: 'extra', message: 'unknown field' },
  {
    name: 'bad object name',
    object: { ...vrrpGroup(), metadata: { name: 'VI_1' } },
    path: 'metadata.name',
    message: /must be a DNS-1123 name/,
  },
  { name: 'missing spec', object: { ...vrrpGroup(), spec: undefined }, path: 'spec', message: /expected object/ },
  // VrrpGroup fields
  { name: 'unknown spec field', object: vg({ state: 'BACKUP' }), path: 'spec.state', message: 'unknown field' },
  {
    name: 'VRID 0',
    object: vg({ virtualRouterId: 0 }),
    path: 'spec.virtualRouterId',
    message: /expected number to be >=1/,
  },
  {
    name: 'VRID 256',
    object: vg({ virtualRouterId: 256 }),
    path: 'spec.virtualRouterId',
    message: /expected number to be <=255/,
  },
  { name: 'version 4', object: vg({ version: 4 }), path: 'spec.version', message: /expected one of 2\|3/ },
  { name: 'priority 0', object: vg({ priority: 0 }), path: 'spec.priority', message: /expected number to be >=1/ },
  {
    name: 'priority 256',
    object: vg({ priority: 256 }),
    path: 'spec.priority',
    message: /expected number to be <=255/,
  },
  {
    name: 'interface too long',
    object: vg({ interface: 'averyveryverylongif' }),
    path: 'spec.interface',
    message: 'interface names have at most 15 characters (IFNAMSIZ)',
  },
  {
    name: 'no virtual IPs',
    object: vg({ virtualIPs: [] }),
    path: 'spec.virtualIPs',
    message: 'a VrrpGroup needs at least one virtual IP',
  },
  {
    name: 'bad VIP',
    object: vg({ virtualIPs: [{ address: '192.168.105.256' }] }),
    path: 'spec.virtualIPs[0].address',
    message: /must be an IPv4 or IPv6 address with an optional prefix length/,
  },
  {
    name: 'VIP prefix too long',
    object: vg({ virtualIPs: [{ address: '10.0.0.1/33' }] }),
    path: 'spec.virtualIPs[0].address',
    message: /with an optional prefix length/,
  },
  {
    name: 'IPv6 VIP with v2',
    object: vg({ virtualIPs: [{ address: '2001:db8::1' }] }),
    path: 'spec.virtualIPs',
    message: 'IPv6 virtual IPs need version: 3 (VRRPv2 carries IPv4 only)',
  },
  {
    name: 'mixed families',
    object: vg({ version: 3, virtualIPs: [{ address: '10.0.0.1' }, { address: '2001:db8::1' }] }),
    path: 'spec.virtualIPs',
    message: 'virtual IPs of one group must be all IPv4 or all IPv6; use a second group for the other family',
  },
  {
    name: 'PASS with v3',
    object: vg({ version: 3, authentication: { type: 'PASS', secretRef: { name: 's', key: 'k' } } }),
    path: 'spec.authentication',
    message: 'authentication PASS exists only in VRRP version 2; remove it or set version: 2',
  },
  {
    name: 'AH authentication',
    object: vg({ authentication: { type: 'AH', secretRef: { name: 's', key: 'k' } } }),
    path: 'spec.authentication.type',
    message: 'Invalid input: expected "PASS"',
  },
  {
    name: 'inline password',
    object: vg({ authentication: { type: 'PASS', password: 'x', secretRef: { name: 's', key: 'k' } } }),
    path: 'spec.authentication.password',
    message: 'unknown field',
  },
  {
    name: 'v2 fractional advert',
    object: vg({ advertInterval: '1500ms' }),
    path: 'spec.advertInterval',
    message: 'version 2 advertInterval must be whole seconds from 1s to 255s',
  },
  {
    name: 'v2 sub-second advert',
    object: vg({ advertInterval: '100ms' }),
    path: 'spec.advertInterval',
    message: 'version 2 advertInterval must be whole seconds from 1s to 255s',
  },
  {
    name: 'v3 advert too long',
    object: vg({ version: 3, advertInterval: '41s' }),
    path: 'spec.advertInterval',
    message: 'version 3 advertInterval must be 10ms to 40.95s in steps of 10ms',
  },
  {
    name: 'v3 advert not 10ms steps',
    object: vg({ version: 3, advertInterval: '105ms' }),
    path: 'spec.advertInterval',
    message: 'version 3 advertInterval must be 10ms to 40.95s in steps of 10ms',
  },
  {
    name: 'advert not a duration',
    object: vg({ advertInterval: 1 }),
    path: 'spec.advertInterval',
    message: /expected string/,
  },
  {
    name: 'advert bad unit',
    object: vg({ advertInterval: '1 sec' }),
    path: 'spec.advertInterval',
    message: 'must be a duration such as "500ms", "1s" or "1m30s"',
  },
  {
    name: 'preempt delay too long',
    object: vg({ preempt: true, preemptDelay: '1001s' }),
    path: 'spec.preemptDelay',
    message: 'must be between 0ms and 1000s',
  },
  {
    name: 'preempt delay without preempt',
    object: vg({ preemptDelay: '10s' }),
    path: 'spec.preemptDelay',
    message: 'preemptDelay needs preempt: true (without preemption there is nothing to delay)',
  },
  {
    name: 'track weight too big',
    object: vg({ trackInterfaces: [{ name: 'eth1', weight: 254 }] }),
    path: 'spec.trackInterfaces[0].weight',
    message: /expected number to be <=253/,
  },
  {
    name: 'track script weight too small',
    object: vg({ trackScripts: [{ name: 'chk', command: ['/bin/true'], weight: -254 }] }),
    path: 'spec.trackScripts[0].weight',
    message: /expected number to be >=-253/,
  },
  {
    name: 'track script without command',
    object: vg({ trackScripts: [{ name: 'chk', command: [] }] }),
    path: 'spec.trackScripts[0].command',
    message: 'a command needs at least the program path',
  },
  {
    name: 'duplicate node override',
    object: vg({ nodes: [{ name: 'lb-1', priority: 150 }, { name: 'lb-1' }] }),
    path: 'spec.nodes[1].name',
    message: 'duplicate name "lb-1"',
  },
  {
    name: 'unicast peer family',
    object: vg({ unicastPeers: ['2001:db8::2'] }),
    path: 'spec.unicastPeers',
    message: 'unicast peers must be of the same address family as the virtual IPs',
  },
  {
    name: 'bad unicast peer',
    object: vg({ unicastPeers: ['10.0.0'] }),
    path: 'spec.unicastPeers[0]',
    message: /must be an IPv4 or IPv6 address/,
  },
  {
    name: 'garp repeat 0',
    object: vg({ garp: { masterRepeat: 0 } }),
    path: 'spec.garp.masterRepeat',
    message: /expected number to be >=1/,
  },
  {
    name: 'label too long',
    object: vg({ virtualIPs: [{ address: '10.0.0.1', label: 'eth0:verylonglabel' }] }),
    path: 'spec.virtualIPs[0].label',
    message: 'labels have at most 15 characters (IFNAMSIZ)',
  },
  // VirtualServer fields
  {
    name: 'neither addresses nor fwmark',
    object: vs({ addresses: undefined }),
    path: 'spec.addresses',
    message: 'set exactly one of addresses (VIP:port pairs) or fwmark',
  },
  {
    name: 'both addresses and fwmark',
    object: vs({ fwmark: 1 }),
    path: 'spec.addresses',
    message: 'set exactly one of addresses (VIP:port pairs) or fwmark',
  },
  {
    name: 'port out of range',
    object: vs({ addresses: [{ ip: '10.0.0.1', port: 65536 }] }),
    path: 'spec.addresses[0].port',
    message: /expected number to be <=65535/,
  },
  {
    name: 'port 0 without persistence',
    object: vs({ addresses: [{ ip: '10.0.0.1', port: 0 }] }),
    path: 'spec.addresses',
    message: 'port 0 (every port) needs persistence',
  },
  {
    name: 'unknown scheduler',
    object: vs({ scheduler: 'roundrobin' }),
    path: 'spec.scheduler',
    message: /expected one of "rr"\|"wrr"/,
  },
  {
    name: 'sh flag with rr',
    object: vs({ scheduler: 'rr', schedulerFlags: ['sh-port'] }),
    path: 'spec.schedulerFlags',
    message: 'sh-* flags need scheduler sh and mh-* flags need scheduler mh',
  },
  {
    name: 'one-packet with TCP',
    object: vs({ onePacket: true }),
    path: 'spec.onePacket',
    message: 'onePacket scheduling applies to UDP only',
  },
  {
    name: 'unknown forwarding',
    object: vs({ forwarding: 'MASQ' }),
    path: 'spec.forwarding',
    message: /expected one of "DR"\|"NAT"\|"TUN"/,
  },
  {
    name: 'tunnel without TUN',
    object: vs({ forwarding: 'DR', tunnel: { type: 'IPIP' } }),
    path: 'spec.tunnel',
    message: 'tunnel settings need forwarding: TUN',
  },
  {
    name: 'GUE without port',
    object: vs({ forwarding: 'TUN', tunnel: { type: 'GUE' } }),
    path: 'spec.tunnel.port',
    message: 'tunnel type GUE needs a port, and only GUE takes one',
  },
  {
    name: 'IPIP with checksum',
    object: vs({ forwarding: 'TUN', tunnel: { type: 'IPIP', checksum: 'Checksum' } }),
    path: 'spec.tunnel.checksum',
    message: 'tunnel checksum options apply to GUE and GRE, not IPIP',
  },
  {
    name: 'IPv4 granularity over 32',
    object: vs({ persistence: { granularity: 64 } }),
    path: 'spec.persistence.granularity',
    message: 'persistence granularity of an IPv4 service is a prefix length of at most 32',
  },
  {
    name: 'persistence timeout 0',
    object: vs({ persistence: { timeout: '0s' } }),
    path: 'spec.persistence.timeout',
    message: 'must be between 1s and 2678400s',
  },
  {
    name: 'weights with rr',
    object: vs({ scheduler: 'rr', realServers: [{ address: '10.0.0.5', weight: 3 }] }),
    path: 'spec.realServers',
    message:
      'weights above 1 have no effect with scheduler rr, lc or dh (only 0 versus non-zero counts); use wrr or wlc',
  },
  {
    name: 'NAT real server of other family',
    object: vs({ realServers: [{ address: '2001:db8::5' }] }),
    path: 'spec.realServers',
    message: 'DR and NAT real servers must have the address family of the service; only TUN may mix',
  },
  {
    name: 'Tunnel accept mode with DR',
    object: vs({ forwarding: 'DR', realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'Tunnel' } }] }),
    path: 'spec.realServers',
    message: 'acceptVIP mode Tunnel is for TUN forwarding; DR uses Loopback or IptablesRedirect',
  },
  {
    name: 'negative weight',
    object: vs({ realServers: [{ address: '10.0.0.5', weight: -1 }] }),
    path: 'spec.realServers[0].weight',
    message: /expected number to be >=0/,
  },
  {
    name: 'bad real server address',
    object: vs({ realServers: [{ address: 'backend-1' }] }),
    path: 'spec.realServers[0].address',
    message: /must be an IPv4 or IPv6 address/,
  },
  {
    name: 'programOn Master without group',
    object: vs({ programOn: 'Master' }),
    path: 'spec.programOn',
    message: 'programOn: Master needs a vrrpGroupRef (which master?)',
  },
  {
    name: 'haSuspend without group',
    object: vs({ haSuspend: true }),
    path: 'spec.haSuspend',
    message: 'haSuspend needs a vrrpGroupRef (it follows the VIP)',
  },
  { name: 'quorum 0', object: vs({ quorum: 0 }), path: 'spec.quorum', message: /expected number to be >=1/ },
  {
    name: 'fwmark 0',
    object: vs({ addresses: undefined, fwmark: 0 }),
    path: 'spec.fwmark',
    message: /expected number to be >=1/,
  },
  // health checks
  {
    name: 'unknown check type',
    object: check({ type: 'HTTP_GET' }),
    path: 'spec.healthChecks[0].type',
    message: /expected one of "HTTP"\|"HTTPS"/,
  },
  {
    name: 'HTTP without http block',
    object: check({ type: 'HTTP' }),
    path: 'spec.healthChecks[0].http',
    message: 'type HTTP/HTTPS needs a http block',
  },
  {
    name: 'http block on TCP',
    object: check({ ...httpCheck(), type: 'TCP' }),
    path: 'spec.healthChecks[0].http',
    message: 'http settings apply only to type HTTP or HTTPS',
  },
  {
    name: 'tls on HTTP',
    object: check(httpCheck({ http: { urls: [{ path: '/' }], tls: { verify: true } } })),
    path: 'spec.healthChecks[0].http.tls',
    message: 'tls settings apply only to type HTTPS',
  },
  {
    name: 'no urls',
    object: check({ type: 'HTTP', http: { urls: [] } }),
    path: 'spec.healthChecks[0].http.urls',
    message: 'an HTTP check needs at least one url',
  },
  {
    name: 'relative url path',
    object: check({ type: 'HTTP', http: { urls: [{ path: 'health' }] } }),
    path: 'spec.healthChecks[0].http.urls[0].path',
    message: 'must start with "/"',
  },
  {
    name: 'bad status range',
    object: check({ type: 'HTTP', http: { urls: [{ path: '/', statusCodes: ['2xx'] }] } }),
    path: 'spec.healthChecks[0].http.urls[0].statusCodes[0]',
    message: 'must be a status code or a range such as "200-299"',
  },
  {
    name: 'bad digest',
    object: check({ type: 'HTTP', http: { urls: [{ path: '/', digest: 'abc' }] } }),
    path: 'spec.healthChecks[0].http.urls[0].digest',
    message: 'must be the 32 hex digits of an MD5 digest, as genhash prints',
  },
  {
    name: 'MISC without misc block',
    object: check({ type: 'MISC' }),
    path: 'spec.healthChecks[0].misc',
    message: 'type MISC needs a misc block',
  },
  {
    name: 'FILE without file block',
    object: check({ type: 'FILE' }),
    path: 'spec.healthChecks[0].file',
    message: 'type FILE needs a file block',
  },
  {
    name: 'dns block on UDP',
    object: check({ type: 'UDP', dns: {} }),
    path: 'spec.healthChecks[0].dns',
    message: 'dns settings apply only to type DNS',
  },
  {
    name: 'bad DNS query type',
    object: check({ type: 'DNS', dns: { queryType: 'ANY' } }),
    path: 'spec.healthChecks[0].dns.queryType',
    message: /expected one of "A"\|"AAAA"/,
  },
  {
    name: 'UDP payload not hex',
    object: check({ type: 'UDP', udp: { payload: 'hello' } }),
    path: 'spec.healthChecks[0].udp.payload',
    message: 'must be hex digits, two per byte',
  },
  {
    name: 'UDP reply bounds reversed',
    object: check({ type: 'UDP', udp: { minReplyLength: 10, maxReplyLength: 5 } }),
    path: 'spec.healthChecks[0].udp.maxReplyLength',
    message: 'maxReplyLength must not be smaller than minReplyLength',
  },
  {
    name: 'check interval too short',
    object: check(httpCheck({ interval: '1ms' })),
    path: 'spec.healthChecks[0].interval',
    message: 'must be between 10ms and 86400s',
  },
  {
    name: 'negative retry',
    object: check(httpCheck({ retry: -1 })),
    path: 'spec.healthChecks[0].retry',
    message: /expected number to be >=0/,
  },
  {
    name: 'bad connectIP',
    object: check(httpCheck({ connectIP: '300.1.1.1' })),
    path: 'spec.healthChecks[0].connectIP',
    message: /must be an IPv4 or IPv6 address/,
  },
  // RealServer
  {
    name: 'RealServer unknown accept mode',
    object: rs({ acceptVIP: { mode: 'Dummy' } }),
    path: 'spec.acceptVIP.mode',
    message: /expected one of "Loopback"\|"IptablesRedirect"\|"Tunnel"\|"None"/,
  },
  {
    name: 'RealServer without address',
    object: rs({ address: undefined }),
    path: 'spec.address',
    message: /expected string/,
  },
  {
    name: 'RealServer threshold too big',
    object: rs({ upperThreshold: 70000 }),
    path: 'spec.upperThreshold',
    message: /expected number to be <=65535/,
  },
];

describe('schemas reject wrong objects with the field and the fix', () => {
  it('has a case per rule (at least 40)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', ({ object, path, message }) => {
    const result = validateObject(object);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const match = result.issues.find((i) => formatPath(i.path) === path);
    expect(match, `issues were: ${JSON.stringify(result.issues)}`).toBeDefined();
    if (typeof message === 'string') expect(match?.message).toBe(message);
    else expect(match?.message).toMatch(message);
  });
});
