import { describe, expect, it } from 'vitest';
import { inlineVips, type VipStatus } from '../../../src/realserver/status.js';
import type { Issue } from '../../../src/realserver/index.js';

const web = { kind: 'VirtualServer' as const, namespace: 'ns', name: 'web' };
const api = { kind: 'VirtualServer' as const, namespace: 'ns', name: 'api' };
const rsObject = { kind: 'RealServer' as const, namespace: 'ns', name: 'web1' };

describe('inlineVips', () => {
  it('groups inline real servers per VirtualServer; RealServer objects report elsewhere', () => {
    const vips: VipStatus[] = [
      { vip: '192.0.2.100', mode: 'Loopback', configured: true, address: '10.0.0.1', virtualServer: web },
      { vip: '192.0.2.100', mode: 'Loopback', configured: true, address: '10.0.0.1', virtualServer: web },
      {
        vip: '192.0.2.101',
        mode: 'Loopback',
        configured: false,
        message: 'no lo',
        address: '10.0.0.1',
        virtualServer: web,
      },
      {
        vip: '192.0.2.100',
        mode: 'Loopback',
        configured: true,
        address: '10.0.0.2',
        virtualServer: web,
        realServer: rsObject,
      },
    ];
    expect(inlineVips(vips, [])).toEqual([
      {
        virtualServer: web,
        vips: [
          { address: '10.0.0.1', vip: '192.0.2.100', mode: 'Loopback', configured: true },
          { address: '10.0.0.1', vip: '192.0.2.101', mode: 'Loopback', configured: false, message: 'no lo' },
        ],
      },
    ]);
  });

  it('a VIP an issue kept out shows as not configured, with why', () => {
    const issues: Issue[] = [
      {
        object: api,
        path: 'spec.realServers[0].acceptVIP',
        reason: 'AcceptModeConflict',
        message: 'VIP 192.0.2.100 is already accepted with Loopback on lo',
        vip: '192.0.2.100',
        mode: 'IptablesRedirect',
        address: '10.0.0.1',
      },
      { object: api, path: 'spec.fwmark', reason: 'FwmarkVipsUnknown', message: 'no VIPs' },
    ];
    expect(inlineVips([], issues)).toEqual([
      {
        virtualServer: api,
        vips: [
          {
            address: '10.0.0.1',
            vip: '192.0.2.100',
            mode: 'IptablesRedirect',
            configured: false,
            message: 'VIP 192.0.2.100 is already accepted with Loopback on lo',
          },
        ],
      },
    ]);
  });
});
