import { describe, expect, it } from 'vitest';
import { ruleArgs, ruleFromArgs } from '../../../src/net/iptables-redirect-rules.js';
import { ruleFromExpr, ruleText } from '../../../src/net/nft-redirect-rules.js';
import type { RedirectRule } from '../../../src/net/index.js';

const shapes: { name: string; rule: RedirectRule; nft: string; iptables: string }[] = [
  {
    name: 'every packet to an IPv4 VIP (seed 000)',
    rule: { family: 4, vip: '192.168.105.253' },
    nft: 'ip daddr 192.168.105.253 redirect',
    iptables: '-d 192.168.105.253/32 -j REDIRECT',
  },
  {
    name: 'one protocol, every port',
    rule: { family: 4, vip: '10.0.0.1', protocol: 'udp' },
    nft: 'ip daddr 10.0.0.1 meta l4proto udp redirect',
    iptables: '-d 10.0.0.1/32 -p udp -j REDIRECT',
  },
  {
    name: 'protocol and port (seed 001, post-up rule with -p tcp)',
    rule: { family: 4, vip: '10.0.30.1', protocol: 'tcp', port: 80 },
    nft: 'ip daddr 10.0.30.1 tcp dport 80 redirect',
    iptables: '-d 10.0.30.1/32 -p tcp -m tcp --dport 80 -j REDIRECT',
  },
  {
    name: 'IPv6, SCTP',
    rule: { family: 6, vip: '2001:db8::10', protocol: 'sctp', port: 5060 },
    nft: 'ip6 daddr 2001:db8::10 sctp dport 5060 redirect',
    iptables: '-d 2001:db8::10/128 -p sctp -m sctp --dport 5060 -j REDIRECT',
  },
];

describe('REDIRECT rule text', () => {
  it.each(shapes)('$name', ({ rule, nft, iptables }) => {
    expect(ruleText(rule)).toBe(nft);
    expect(ruleArgs(rule).join(' ')).toBe(iptables);
    expect(ruleFromArgs(rule.family, iptables.split(' '))).toEqual(rule);
  });

  it.each([
    { name: 'a source match', args: '-s 10.0.0.9/32 -j ACCEPT' },
    { name: 'a network, not a host', args: '-d 10.0.0.0/24 -j REDIRECT' },
    { name: 'a port mapping', args: '-d 10.0.0.1/32 -p tcp -j REDIRECT --to-ports 8080' },
    { name: 'another target', args: '-d 10.0.0.1/32 -j DNAT --to-destination 10.0.0.2' },
  ])('iptables: $name is not one of ours', ({ args }) => {
    expect(ruleFromArgs(4, args.split(' '))).toBeUndefined();
  });

  it('nft: reads the JSON nft prints for our rules, and refuses other statements', () => {
    const dst = { match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.0.0.1' } };
    const port = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 80 } };
    expect(ruleFromExpr([dst, port, { redirect: null }])).toEqual({
      family: 4,
      vip: '10.0.0.1',
      protocol: 'tcp',
      port: 80,
    });
    expect(ruleFromExpr([dst, { accept: null }])).toBeUndefined();
    expect(ruleFromExpr([dst, { redirect: { port: 8080 } }])).toBeUndefined();
  });
});
