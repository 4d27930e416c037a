import { describe, expect, it } from 'vitest';
import { parseRuleLines } from '../../../src/ipvs/rule-lines.js';

describe('parseRuleLines', () => {
  it('reads what each line says, with its position and no defaults', () => {
    const text = [
      '# saved',
      'ipvsadm -A -t 10.0.0.1:http -s rr -p',
      '  --add-server --tcp-service 10.0.0.1:80 --real-server 10.0.0.2 -m -w 3 # comment',
      '-A -f 7 -6 -p 600 -M 64 -b sh-port,flag-1 -o --pe sip',
      '-a -f 7 -6 -r [2001:db8::2]:0 -i --tun-type gue --tun-port 6080 --tun-remcsum',
      '-A -u [2001:DB8::1]:53 -M 255.255.255.0',
    ].join('\n');
    expect(parseRuleLines(text)).toEqual({
      issues: [],
      lines: [
        {
          kind: 'service',
          edit: false,
          line: 2,
          col: 9,
          key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
          service: { scheduler: 'rr', persistent: {}, onePacket: false, schedFlags: [] },
        },
        {
          kind: 'server',
          edit: false,
          line: 3,
          col: 3,
          key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
          server: { af: 'inet', address: '10.0.0.2', forwarding: 'masq', weight: 3 },
        },
        {
          kind: 'service',
          edit: false,
          line: 4,
          col: 1,
          key: { kind: 'fwmark', af: 'inet6', fwmark: 7 },
          service: {
            persistent: { timeoutS: 600 },
            netmask: { kind: 'prefix', length: 64 },
            onePacket: true,
            schedFlags: ['sh-port', 'flag-1'],
            peName: 'sip',
          },
        },
        {
          kind: 'server',
          edit: false,
          line: 5,
          col: 1,
          key: { kind: 'fwmark', af: 'inet6', fwmark: 7 },
          server: {
            af: 'inet6',
            address: '2001:db8::2',
            port: 0,
            forwarding: 'tunnel',
            tunnelType: 'gue',
            tunnelPort: 6080,
            tunnelChecksum: 'remcsum',
          },
        },
        {
          kind: 'service',
          edit: false,
          line: 6,
          col: 1,
          key: { kind: 'addr', af: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 },
          service: { netmask: { kind: 'mask', mask: 0xffffff00 }, onePacket: false, schedFlags: [] },
        },
      ],
    });
  });

  it.each([
    { name: 'host name', text: '-A -t www.example.com:80', at: [1, 7], problem: 'address' },
    { name: 'unknown port name', text: '-A -t 10.0.0.1:gopher', at: [1, 7], problem: 'address' },
    {
      name: 'value out of range',
      text: '-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2 -w x',
      at: [2, 34],
      problem: 'value',
    },
    { name: 'missing value', text: '-A -t 10.0.0.1:80 -s', at: [1, 19], problem: 'syntax' },
    { name: 'unknown option', text: '-A -t 10.0.0.1:80 --frobnicate', at: [1, 19], problem: 'syntax' },
    { name: 'not a declaration', text: '  -C', at: [1, 3], problem: 'syntax' },
    { name: 'persistence past 31 days', text: '-A -t 10.0.0.1:80 -p 2678401', at: [1, 22], problem: 'value' },
    { name: 'upper-case tunnel type', text: '-a -f 1 -r 10.0.0.2 --tun-type GUE', at: [1, 32], problem: 'value' },
  ])('refuses $name at its word', ({ text, at, problem }) => {
    const r = parseRuleLines(text);
    expect(r.issues.map((i) => [i.line, i.col, i.problem])).toEqual([[...at, problem]]);
    expect(r.lines.filter((l) => l.line === at[0])).toEqual([]);
  });
});
