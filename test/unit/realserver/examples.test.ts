/**
 * What the realserver role does with the project's examples, one backend at a time: the
 * examples/ folders are the seeds' setups, so this ties each README's promise to the selection.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RealServerSchema, VirtualServerSchema, type RealServer, type VirtualServer } from '../../../src/api/index.js';
import { buildModel, type Model } from '../../../src/model/index.js';
import { selectEntries } from '../../../src/realserver/desired.js';

const root = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** The model of an example folder's VirtualServers and RealServers. */
function load(dir: string): Model {
  const virtualServers: VirtualServer[] = [];
  const realServers: RealServer[] = [];
  for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(root, dir, file), 'utf8'))) {
      const o = doc.toJS() as { kind?: string };
      if (o.kind === 'VirtualServer') virtualServers.push(VirtualServerSchema.parse(o));
      if (o.kind === 'RealServer') realServers.push(RealServerSchema.parse(o));
    }
  }
  return buildModel([...virtualServers, ...realServers], () => undefined);
}

const cases = [
  {
    name: 'seed 000, backend 192.168.5.111: the REDIRECT rule for the VIP',
    dir: 'seed-000-dr-vrrp-redirect',
    node: { nodeName: 'web-1', localAddresses: new Set(['192.168.5.111']) },
    entries: ['192.168.105.253:80 IptablesRedirect'],
  },
  {
    name: 'seed 001, backend 10.0.0.6: the VIP on lo',
    dir: 'seed-001-dr-loopback-arp',
    node: { nodeName: 'apache-2', localAddresses: new Set(['10.0.0.6']) },
    entries: ['10.0.0.1:80 Loopback lo'],
  },
  {
    name: 'seed 002, NAT: nothing on the backends',
    dir: 'seed-002-nat-wlc',
    node: { nodeName: 'any', localAddresses: new Set(['192.168.0.11', '192.168.0.12', '10.0.0.11']) },
    entries: [],
  },
  {
    name: 'TUN example, node backend-1: an ipip device named after 203.0.113.21',
    dir: 'tun-ipip',
    node: { nodeName: 'backend-1', localAddresses: new Set<string>() },
    entries: ['198.51.100.10:443 Tunnel lvsip-cb007115'],
  },
  {
    name: 'IPv6 DR example, backend 2001:db8:20::12: the VIP on lo',
    dir: 'ipv6-vrrpv3',
    node: { nodeName: 'edge-2', localAddresses: new Set(['2001:db8:20::12']) },
    entries: ['2001:db8:10::100:443 Loopback lo'],
  },
];

describe('the examples, seen by the realserver role', () => {
  it.each(cases)('$name', ({ dir, node, entries }) => {
    const out = selectEntries(load(dir), node);
    expect(out.issues).toEqual([]);
    expect(out.entries.map((e) => `${e.vip}:${e.port} ${e.mode}${e.device ? ` ${e.device}` : ''}`)).toEqual(entries);
  });
});
