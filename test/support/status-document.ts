import type { IpvsDestinationStatus, NodeStatusDocument } from '../../src/status/index.js';

const zero = { cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0 };
const none = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };

/** A destination of the demo's service, counters as given. */
export function destination(
  address: string,
  weight: number,
  more: Partial<IpvsDestinationStatus> = {},
): IpvsDestinationStatus {
  return {
    address,
    port: 80,
    forwarding: 'Route',
    weight,
    activeConns: 0,
    inactiveConns: 0,
    rates: zero,
    totals: none,
    ...more,
  };
}

/**
 * A standalone node of seed 000 (both roles): group default/vi-1 in `state`, the VIP's
 * service with web1 (192.168.5.111) and web2 (192.168.5.112), web1's health and weight given.
 */
export function seedStatus(
  opts: { node?: string; state?: string; weight111?: number; up111?: boolean } = {},
): NodeStatusDocument {
  const { node = 'lvs1', state = 'MASTER', weight111 = 1, up111 = true } = opts;
  return {
    version: 1,
    node,
    roles: ['director', 'realserver'],
    time: '2026-11-22T10:00:30.000Z',
    director: {
      vrrp: [
        {
          group: 'default/vi-1',
          vrid: 51,
          interface: 'eth0',
          state,
          priority: 100,
          effectivePriority: 100,
          ...(state === 'MASTER' ? { master: 'self' } : { master: '192.168.105.2' }),
          virtualIPs: ['192.168.105.253/32'],
          since: '2026-11-22T10:00:18.000Z',
        },
      ],
      ipvs: [
        {
          protocol: 'TCP',
          address: '192.168.105.253',
          port: 80,
          family: 'inet',
          scheduler: 'lc',
          virtualServer: 'default/example-web-servers',
          rates: { cps: 12, inPps: 1234, outPps: 0, inBps: 98_765, outBps: 0 },
          totals: { conns: 81, inPkts: 405, outPkts: 0, inBytes: 30_000, outBytes: 0 },
          destinations: [
            destination('192.168.5.111', weight111, {
              inactiveConns: 12,
              rates: { cps: 6, inPps: 600, outPps: 0, inBps: 48_000, outBps: 0 },
            }),
            destination('192.168.5.112', 1, { activeConns: 1, inactiveConns: 11 }),
          ],
        },
      ],
      virtualServers: [
        {
          virtualServer: 'default/example-web-servers',
          programmed: state === 'MASTER',
          realServers: [
            {
              address: '192.168.5.111',
              port: 80,
              health: up111 ? 'Up' : 'Down',
              ...(up111 ? {} : { reason: 'http-status: GET /health_check.html answered 404' }),
              since: '2026-11-22T10:00:25.000Z',
              weight: weight111,
              configuredWeight: 1,
            },
            {
              address: '192.168.5.112',
              port: 80,
              health: 'Up',
              since: '2026-11-22T10:00:20.000Z',
              weight: 1,
              configuredWeight: 1,
            },
          ],
          draining: [],
        },
      ],
    },
    realserver: { vips: [] },
    conditions: [],
    events: [],
  };
}
