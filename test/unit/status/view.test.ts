import { describe, expect, it } from 'vitest';
import {
  compactNumber,
  formatAge,
  printable,
  renderNodeStatus,
  renderNodeStatusLines,
  type NodeStatusDocument,
} from '../../../src/status/index.js';
import { destination, seedStatus } from '../../support/status-document.js';

const withExtras = (doc: NodeStatusDocument): NodeStatusDocument => ({
  ...doc,
  director: doc.director && {
    ...doc.director,
    virtualServers: doc.director.virtualServers.map((vs) => ({
      ...vs,
      draining: [{ address: '192.168.5.113', port: 80, activeConns: 3, inactiveConns: 2, drainingMs: 40_000 }],
    })),
  },
  realserver: {
    vips: [
      {
        vip: '192.168.105.253',
        mode: 'IptablesRedirect',
        configured: true,
        address: '192.168.5.111',
        virtualServer: 'default/example-web-servers',
      },
      {
        vip: '192.168.105.254',
        mode: 'Loopback',
        configured: false,
        message: 'net.ipv4.conf.all.arp_ignore is 0, needs at least 1',
        address: '192.168.5.111',
        virtualServer: 'default/other',
      },
    ],
  },
  conditions: [
    {
      object: { kind: 'VirtualServer', namespace: 'default', name: 'other' },
      reason: 'CommandRefused',
      message: 'spec.realServers.0.healthChecks.0.misc.command: /bin/check is not allowed',
      since: '2026-11-22T10:00:00.000Z',
    },
  ],
  events: [
    {
      time: '2026-11-22T10:00:18.000Z',
      type: 'Normal',
      reason: 'VipAcquired',
      object: { kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' },
      note: 'lvs1 became MASTER (was Backup) and holds the VIPs',
    },
    {
      time: '2026-11-22T10:00:25.000Z',
      type: 'Warning',
      reason: 'RealServerDown',
      object: { kind: 'VirtualServer', namespace: 'default', name: 'example-web-servers' },
      note: 'real server 192.168.5.111:80 is down (seen by lvs1)',
    },
  ],
});

describe('renderNodeStatus', () => {
  it.each([
    {
      name: 'a master with both roles: every section',
      doc: withExtras(seedStatus({ up111: false, weight111: 0 })),
      contains: [
        'Node lvs1 (director, realserver)  2026-11-22 10:00:30Z',
        '  default/vi-1           51 eth0      MASTER  100      this node       12s',
        '    VIPs 192.168.105.253/32',
        '  Prot LocalAddress:Port Scheduler                               CPS InPPS InBPS',
        '    -> RemoteAddress:Port  Forward Weight ActiveConn InActConn   CPS InPPS InBPS',
        '  TCP  192.168.105.253:80 lc  default/example-web-servers         12  1.2k   98k',
        '    -> 192.168.5.111:80     Route       0          0        12     6   600   48k',
        '    -> 192.168.5.112:80     Route       1          1        11     0     0     0',
        '  default/example-web-servers\n',
        '    192.168.5.111:80       DOWN         0/1  5s    http-status: GET /health_check.html answered 404',
        '    192.168.5.112:80       UP           1/1  10s',
        '    192.168.5.113:80       DRAINING       0  40s   3 active, 2 inactive connections',
        '  192.168.105.253   IptablesRedirect ok        for 192.168.5.111 (default/example-web-servers)',
        '  192.168.105.254   Loopback         NOT READY for 192.168.5.111 (default/other): net.ipv4.conf.all.arp_ignore is 0, needs at least 1',
        '  VirtualServer default/other  CommandRefused (30s): spec.realServers.0.healthChecks.0.misc.command: /bin/check is not allowed',
        'Events (all of 2, newest last)',
        '  10:00:18  Normal  VipAcquired     VrrpGroup default/vi-1: lvs1 became MASTER (was Backup) and holds the VIPs',
        '  10:00:25  Warning RealServerDown  VirtualServer default/example-web-servers: real server 192.168.5.111:80 is down (seen by lvs1)',
      ],
      absent: [],
    },
    {
      name: 'a backup: the service is not programmed here, the master is the peer',
      doc: seedStatus({ state: 'BACKUP' }),
      contains: [
        '  default/vi-1           51 eth0      BACKUP  100      192.168.105.2   12s',
        '  default/example-web-servers (not programmed on this node)',
        '  (none)',
        '  (none since the agent started)',
      ],
      absent: [],
    },
    {
      name: 'a director with nothing to run, whose table could not be read',
      doc: {
        ...seedStatus(),
        roles: ['director' as const],
        director: { vrrp: [], ipvs: [], ipvsError: 'netlink: EPERM', virtualServers: [] },
        realserver: undefined,
      },
      contains: [
        'Node lvs1 (director)',
        '  (no VRRP instance on this node)',
        '  (table not readable: netlink: EPERM)',
        '  (no VirtualServer on this node)',
      ],
      absent: ['Accepted VIPs'],
    },
    {
      name: 'a realserver-only node: its VIPs, no director sections',
      doc: { ...seedStatus(), roles: ['realserver' as const], director: undefined },
      contains: ['Node lvs1 (realserver)', 'Accepted VIPs (realserver role)', '  (none: no DR/TUN'],
      absent: ['VRRP', 'IPVS', 'Real servers'],
    },
    {
      name: 'services that are not ours, fwmark and IPv6',
      doc: {
        ...seedStatus(),
        director: {
          vrrp: [],
          virtualServers: [],
          ipvs: [
            {
              protocol: 'FWM',
              fwmark: 7,
              family: 'inet' as const,
              scheduler: 'wrr',
              rates: { cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0 },
              totals: { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 },
              destinations: [],
            },
            {
              protocol: 'UDP',
              address: '2001:db8::53',
              port: 53,
              family: 'inet6' as const,
              scheduler: 'rr',
              rates: { cps: 2_500_000, inPps: 0, outPps: 0, inBps: 0, outBps: 0 },
              totals: { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 },
              destinations: [{ ...destination('2001:db8::1', 3), port: 53, forwarding: 'Masq' }],
            },
          ],
        },
      },
      contains: [
        '  FWM  7                  wrr not ours',
        '  UDP  [2001:db8::53]:53  rr  not ours                          2.5M     0     0',
        '    -> [2001:db8::1]:53     Masq        3          0         0     0     0     0',
      ],
      absent: [],
    },
  ])('$name', ({ doc, contains, absent }) => {
    const text = renderNodeStatus(doc, { color: false });
    for (const line of contains) expect(text).toContain(line);
    for (const line of absent) expect(text).not.toContain(line);
    expect(text).not.toContain('\x1b[');
  });

  it('prints only the sections asked for, cuts free text to the width, colours when asked', () => {
    const doc = withExtras(seedStatus({ up111: false, weight111: 0 }));
    const lines = renderNodeStatusLines(doc, { color: false, sections: ['ipvs', 'realServers'], width: 80 });
    expect(lines[0]).toBe('IPVS (lvsctl ipvs list -n; rates per second)');
    expect(lines.join('\n')).not.toContain('VRRP');
    expect(lines.join('\n')).not.toContain('Events');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines).toContain('    192.168.5.111:80       DOWN         0/1  5s    http-status: GET /health_che…');
    const coloured = renderNodeStatus(doc, { color: true, width: 60 });
    expect(coloured).toContain('\x1b[32mMASTER  \x1b[0m');
    expect(coloured).toContain('\x1b[31mDOWN     \x1b[0m');
    // A cut coloured line still ends its colour.
    const cut = coloured.split('\n').filter((l) => l.includes('\x1b[31mDOWN') && l.includes('…'));
    expect(cut).toHaveLength(1);
    expect(cut[0]?.endsWith('…\x1b[0m')).toBe(true);
  });

  it('limits the events to the newest ones', () => {
    const doc = withExtras(seedStatus());
    const text = renderNodeStatus(doc, { color: false, events: 1 });
    expect(text).toContain('Events (newest 1 of 2, newest last)');
    expect(text).toContain('RealServerDown');
    expect(text).not.toContain('VipAcquired');
  });

  it("escapes control characters in the node's text, so it cannot drive the terminal", () => {
    const doc: NodeStatusDocument = {
      ...seedStatus(),
      node: 'evil\x1b[2J',
      conditions: [
        {
          object: { kind: 'VirtualServer', namespace: 'default', name: 'x' },
          reason: 'InvalidSpec',
          message: 'bad\nsecond line\x1b]0;title\x07',
        },
      ],
    };
    const text = renderNodeStatus(doc, { color: false });
    expect(text).not.toContain('\x1b');
    expect(text).toContain('Node evil\\x1b[2J');
    expect(text).toContain('bad\\x0asecond line\\x1b]0;title\\x07');
  });
});

describe('view helpers', () => {
  it.each([
    { n: 0, expected: '0' },
    { n: 999, expected: '999' },
    { n: 1234, expected: '1.2k' },
    { n: 98_765, expected: '98k' },
    { n: 2_500_000, expected: '2.5M' },
    { n: 12_000_000_000, expected: '12G' },
    { n: 3e12, expected: '3T' },
  ])('compactNumber($n) = $expected', ({ n, expected }) => {
    expect(compactNumber(n)).toBe(expected);
  });

  it.each([
    { since: '2026-11-22T10:00:29.000Z', expected: '1s' },
    { since: '2026-11-22T09:58:31.000Z', expected: '119s' },
    { since: '2026-11-22T09:00:30.000Z', expected: '60m' },
    { since: '2026-11-21T10:00:30.000Z', expected: '24h' },
    { since: '2026-11-12T10:00:30.000Z', expected: '10d' },
    { since: '2026-11-22T10:01:00.000Z', expected: '0s' },
  ])('formatAge($since) = $expected', ({ since, expected }) => {
    expect(formatAge(since, '2026-11-22T10:00:30.000Z')).toBe(expected);
  });

  it('printable escapes C0 and C1 controls and nothing else', () => {
    expect(printable('a\tb\u009bc é')).toBe('a\\x09b\\x9bc é');
  });
});
