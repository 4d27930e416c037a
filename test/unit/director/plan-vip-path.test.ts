import { describe, expect, it } from 'vitest';
import { VirtualServerSchema } from '../../../src/api/index.js';
import { planService } from '../../../src/director/index.js';
import type { HealthProbe } from '../../../src/health/index.js';
import { buildModel } from '../../../src/model/index.js';

function vs(spec: Record<string, unknown>) {
  return VirtualServerSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      addresses: [{ ip: '192.0.2.100', port: 80 }],
      forwarding: 'DR',
      scheduler: 'rr',
      realServers: [{ address: '192.0.2.11' }],
      healthChecks: [{ type: 'HTTP', interval: '2s', timeout: '1500ms', retry: 3, http: { urls: [{ path: '/' }] } }],
      ...spec,
    },
  });
}

function vipPathProbes(spec: Record<string, unknown>): HealthProbe[] {
  const [svc] = buildModel([vs(spec)], () => undefined).services;
  if (!svc) throw new Error('no service in the model');
  const r = planService(svc);
  expect(r.issues).toEqual([]);
  return (r.service?.backends[0]?.probes ?? []).filter((p) => p.type === 'VIP_PATH');
}

describe('VIP-path probes in the service plan', () => {
  it('a DR server of a TCP service gets one per VIP:port, with the timing of its first check (Auto)', () => {
    const probes = vipPathProbes({
      addresses: [
        { ip: '192.0.2.100', port: 80 },
        { ip: '192.0.2.101', port: 80 },
      ],
    });
    expect(probes).toEqual([
      {
        type: 'VIP_PATH',
        vip: '192.0.2.100',
        mode: 'Auto',
        encapsulation: 'none',
        target: { ip: '192.0.2.11', family: 4, port: 80 },
        intervalMs: 2000,
        timeoutMs: 1500,
        retry: 3,
        delayBeforeRetryMs: 3000,
        warmupMs: 2000,
      },
      expect.objectContaining({ vip: '192.0.2.101' }),
    ]);
  });

  it.each([
    { name: 'NAT forwarding', spec: { forwarding: 'NAT' } },
    { name: 'a NAT server in a DR service', spec: { realServers: [{ address: '192.0.2.11', forwarding: 'NAT' }] } },
    { name: 'TUN forwarding over GUE', spec: { forwarding: 'TUN', tunnel: { type: 'GUE', port: 5555 } } },
    { name: 'vipPathCheck Disabled', spec: { vipPathCheck: 'Disabled' } },
    { name: 'a UDP service', spec: { protocol: 'UDP', healthChecks: [{ type: 'UDP' }] } },
    {
      name: 'a fwmark service',
      spec: { addresses: undefined, fwmark: 7, healthChecks: [{ type: 'TCP', connectPort: 80 }] },
    },
    { name: 'a server without checks (Auto)', spec: { healthChecks: undefined } },
    {
      name: 'port 0 (every port)',
      spec: {
        addresses: [{ ip: '192.0.2.100', port: 0 }],
        persistence: {},
        healthChecks: [{ type: 'TCP', connectPort: 80 }],
      },
    },
  ])('none for $name', ({ spec }) => {
    expect(vipPathProbes(spec)).toEqual([]);
  });

  it('a TUN server (IPIP) gets the probe inside IPIP; DR servers get a plain one', () => {
    expect(vipPathProbes({ forwarding: 'TUN' })).toEqual([
      expect.objectContaining({
        type: 'VIP_PATH',
        encapsulation: 'ipip',
        target: { ip: '192.0.2.11', family: 4, port: 80 },
      }),
    ]);
    expect(vipPathProbes({})).toEqual([expect.objectContaining({ encapsulation: 'none' })]);
  });

  it('Enabled gives a server without checks one probe with the API check defaults', () => {
    expect(vipPathProbes({ vipPathCheck: 'Enabled', healthChecks: undefined })).toEqual([
      expect.objectContaining({ mode: 'Enabled', intervalMs: 60_000, timeoutMs: 5_000, retry: 1, warmupMs: 60_000 }),
    ]);
  });

  it('Enabled needs a TCP service with addresses', () => {
    const r = VirtualServerSchema.safeParse({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VirtualServer',
      metadata: { name: 'dns' },
      spec: { addresses: [{ ip: '192.0.2.100', port: 53 }], protocol: 'UDP', vipPathCheck: 'Enabled' },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain('spec.vipPathCheck');
  });
});
