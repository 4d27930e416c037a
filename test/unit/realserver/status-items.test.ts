import { describe, expect, it } from 'vitest';
import { RealServerStatusSchema, VirtualServerStatusSchema } from '../../../src/api/index.js';
import { realserverStatusItems } from '../../../src/realserver/index.js';

describe('realserverStatusItems', () => {
  it('reports status.vips per RealServer object, an object without VIPs included', () => {
    const items = realserverStatusItems('web-node', [
      {
        realServer: { kind: 'RealServer', namespace: 'ns', name: 'web1' },
        vips: [
          { vip: '192.0.2.100', mode: 'Loopback', configured: true },
          { vip: '192.0.2.101', mode: 'IptablesRedirect', configured: false, message: 'REDIRECT rules unavailable' },
        ],
      },
      { realServer: { kind: 'RealServer', namespace: 'ns', name: 'web2' }, vips: [] },
    ]);
    expect(items).toEqual([
      {
        ref: { kind: 'RealServer', namespace: 'ns', name: 'web1' },
        status: {
          vips: [
            { vip: '192.0.2.100', mode: 'Loopback', configured: true },
            { vip: '192.0.2.101', mode: 'IptablesRedirect', configured: false, message: 'REDIRECT rules unavailable' },
          ],
        },
      },
      { ref: { kind: 'RealServer', namespace: 'ns', name: 'web2' }, status: { vips: [] } },
    ]);
    for (const i of items) expect(RealServerStatusSchema.safeParse(i.status).success).toBe(true);
  });

  it('reports the inline real servers of a VirtualServer in its status.realServerVips, keyed by node', () => {
    const items = realserverStatusItems(
      'web-node',
      [],
      [
        {
          virtualServer: { kind: 'VirtualServer', namespace: 'ns', name: 'web' },
          vips: [
            { address: '192.0.2.10', vip: '192.0.2.100', mode: 'Loopback', configured: true },
            { address: '192.0.2.11', vip: '192.0.2.100', mode: 'Loopback', configured: false, message: 'no lo' },
          ],
        },
      ],
    );
    expect(items).toEqual([
      {
        ref: { kind: 'VirtualServer', namespace: 'ns', name: 'web' },
        status: {
          realServerVips: [
            { node: 'web-node', address: '192.0.2.10', vip: '192.0.2.100', mode: 'Loopback', configured: true },
            {
              node: 'web-node',
              address: '192.0.2.11',
              vip: '192.0.2.100',
              mode: 'Loopback',
              configured: false,
              message: 'no lo',
            },
          ],
        },
      },
    ]);
    expect(VirtualServerStatusSchema.safeParse(items[0]?.status).success).toBe(true);
  });
});
