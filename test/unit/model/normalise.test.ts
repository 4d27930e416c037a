/**
 * The normalising step: validated objects (and their Secrets and status reports) become model
 * entries with parsed addresses, durations in milliseconds and resolved real servers; what cannot
 * be normalised is an issue on its entry; the cache hands back the same entries while nothing
 * they read has changed.
 */
import { describe, expect, it } from 'vitest';
import {
  RealServerSchema,
  SecretSchema,
  VirtualServerSchema,
  VrrpGroupSchema,
  type ManifestObject,
  type RealServer,
  type VirtualServer,
  type VrrpGroup,
  secretValue,
} from '../../../src/api/index.js';
import {
  ModelCache,
  keyOf,
  normaliseGroup,
  normaliseService,
  type SecretResolver,
  type ServiceModel,
} from '../../../src/model/index.js';

const noSecrets: SecretResolver = () => undefined;

function group(spec: Record<string, unknown>, name = 'vi-1'): VrrpGroup {
  return VrrpGroupSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VrrpGroup',
    metadata: { name, namespace: 'default' },
    spec: { virtualRouterId: 51, interface: 'eth0', virtualIPs: [{ address: '192.168.105.253/24' }], ...spec },
  });
}

function vs(spec: Record<string, unknown>, status?: Record<string, unknown>, name = 'web'): VirtualServer {
  return VirtualServerSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name, namespace: 'default' },
    spec: { addresses: [{ ip: '192.168.105.253', port: 80 }], forwarding: 'DR', ...spec },
    ...(status ? { status } : {}),
  });
}

function rs(
  name: string,
  spec: Record<string, unknown>,
  opts: { labels?: Record<string, string>; namespace?: string; status?: Record<string, unknown> } = {},
): RealServer {
  return RealServerSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'RealServer',
    metadata: { name, namespace: opts.namespace ?? 'default', labels: opts.labels ?? { app: 'web' } },
    spec,
    ...(opts.status ? { status: opts.status } : {}),
  });
}

const ids = (s: ServiceModel) => s.backends.map((b) => b.id);
const issueTexts = (issues: readonly { path: readonly (string | number)[]; message: string; transient: boolean }[]) =>
  issues.map((i) => `${i.path.join('.')}: ${i.message}${i.transient ? ' (transient)' : ''}`);

describe('normaliseGroup', () => {
  it('parses addresses into canonical text and durations into milliseconds', () => {
    const g = normaliseGroup(
      group({
        version: 3,
        virtualIPs: [{ address: '2001:DB8:0:0::10/64' }, { address: '2001:db8::11' }],
        unicastPeers: ['2001:DB8::2'],
        unicastSourceIP: '2001:db8:0::1',
        advertInterval: '250ms',
        preempt: true,
        preemptDelay: '1m',
        trackScripts: [{ name: 'chk', command: ['/bin/true'], interval: '2s' }],
      }),
      noSecrets,
    );
    expect(g.ref).toEqual({ kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' });
    expect(g.virtualIPs.map((v) => [v.address.text, v.address.family, v.prefixLength])).toEqual([
      ['2001:db8::10', 6, 64],
      ['2001:db8::11', 6, 128],
    ]);
    expect(g.family).toBe(6);
    expect(g.unicastPeers.map((p) => p.text)).toEqual(['2001:db8::2']);
    expect(g.unicastSource?.text).toBe('2001:db8::1');
    expect(g.advertIntervalMs).toBe(250);
    expect(g.preemptDelayMs).toBe(60_000);
    expect(g.trackScripts[0]).toMatchObject({ intervalMs: 2000, timeoutMs: 2000 });
    expect(g.garp).toEqual({ masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 });
    expect(g.issues).toEqual([]);
  });

  it('resolves the PASS password from its Secret', () => {
    const withAuth = group({ authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } } });
    const g = normaliseGroup(withAuth, (ns, name, key) =>
      ns === 'default' && name === 'vrrp' && key === 'password' ? 's3cret' : undefined,
    );
    expect(g.password).toBe('s3cret');
    expect(g.issues).toEqual([]);
  });

  it('a missing Secret is a transient issue on the group, which has no password', () => {
    const g = normaliseGroup(
      group({ authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } } }),
      noSecrets,
    );
    expect(g.password).toBeUndefined();
    expect(g.issues).toEqual([
      {
        object: { kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' },
        path: ['spec', 'authentication', 'secretRef'],
        message: 'Secret default/vrrp key password not found; the group waits for it',
        transient: true,
      },
    ]);
  });

  it('an unparseable address is an issue on the group, never dropped silently', () => {
    // The schema refuses these; a value that got past it anyway still leaves a trace.
    const valid = group({ unicastPeers: ['192.168.105.2'] });
    const broken: VrrpGroup = {
      ...valid,
      spec: {
        ...valid.spec,
        virtualIPs: [...valid.spec.virtualIPs, { address: 'not-an-address' }],
        unicastPeers: ['192.168.105.2', '192.168.105.999'],
      },
    };
    const g = normaliseGroup(broken, noSecrets);
    expect(g.virtualIPs.map((v) => v.address.text)).toEqual(['192.168.105.253']);
    expect(g.unicastPeers.map((p) => p.text)).toEqual(['192.168.105.2']);
    expect(issueTexts(g.issues)).toEqual([
      'spec.virtualIPs.1.address: unparseable virtual IP not-an-address',
      'spec.unicastPeers.1: unparseable address 192.168.105.999',
    ]);
  });
});

describe('normaliseService', () => {
  it('parses addresses into canonical text and durations into milliseconds', () => {
    const s = normaliseService(
      vs({
        addresses: [{ ip: '2001:DB8:0:0::10', port: 443 }],
        persistence: { timeout: '5m' },
        realServers: [{ address: '2001:db8:0::5' }, { address: '2001:db8::6', port: 8443 }],
        sorryServer: { address: '2001:DB8::99' },
      }),
      [],
      noSecrets,
    );
    expect(s.ref).toEqual({ kind: 'VirtualServer', namespace: 'default', name: 'web' });
    expect(s.addresses.map((a) => [a.ip.text, a.ip.family, a.port])).toEqual([['2001:db8::10', 6, 443]]);
    expect(s.family).toBe(6);
    expect(s.defaultPort).toBe(443);
    expect(s.persistence?.timeoutMs).toBe(300_000);
    expect(s.backends.map((b) => [b.key.address.text, b.key.port, b.id])).toEqual([
      ['2001:db8::5', 443, '[2001:db8::5]:443'],
      ['2001:db8::6', 8443, '[2001:db8::6]:8443'],
    ]);
    expect(s.backends.every((b) => b.id === keyOf(b.key))).toBe(true);
    expect(s.sorry?.key.address.text).toBe('2001:db8::99');
    expect(s.sorry?.key.port).toBe(443);
    expect(s.issues).toEqual([]);
  });

  it('normalises health checks into probes per real server (milliseconds, the server as target)', () => {
    const s = normaliseService(
      vs({
        healthChecks: [{ type: 'TCP', interval: '1500ms', timeout: '2s' }],
        realServers: [
          { address: '10.0.0.5' },
          { address: '10.0.0.6', port: 8080, healthChecks: [{ type: 'HTTP', http: { urls: [{ path: '/' }] } }] },
        ],
      }),
      [],
      noSecrets,
    );
    const [first, second] = s.backends;
    expect(first?.checks.map((c) => [c.probe.type, c.probe.intervalMs, c.probe.timeoutMs, c.path])).toEqual([
      ['TCP', 1500, 2000, ['spec', 'healthChecks', 0]],
    ]);
    expect(first?.checks[0]?.probe.target).toEqual({ ip: '10.0.0.5', family: 4, port: 80 });
    // A server's own checks replace the service's.
    expect(second?.checks.map((c) => [c.probe.type, c.probe.target.port, c.path])).toEqual([
      ['HTTP', 8080, ['spec', 'realServers', 1, 'healthChecks', 0]],
    ]);
  });

  it('inline real servers first, then the selected RealServer objects in name order', () => {
    const selector = { realServerSelector: { matchLabels: { app: 'web' } } };
    const s = normaliseService(
      vs({ ...selector, realServers: [{ address: '10.0.0.9' }] }),
      [
        rs('rs-c', { address: '10.0.0.3' }),
        rs('rs-a', { address: '10.0.0.1' }),
        rs('rs-b', { address: '10.0.0.2', port: 8080 }),
        rs('rs-other-namespace', { address: '10.0.0.4' }, { namespace: 'other' }),
        rs('rs-unlabelled', { address: '10.0.0.5' }, { labels: { app: 'db' } }),
      ],
      noSecrets,
    );
    expect(ids(s)).toEqual(['10.0.0.9:80', '10.0.0.1:80', '10.0.0.2:8080', '10.0.0.3:80']);
    expect(s.backends.map((b) => b.realServer?.name)).toEqual([undefined, 'rs-a', 'rs-b', 'rs-c']);
    expect(s.backends[0]?.holder).toEqual(s.ref);
    expect(s.backends[0]?.path).toEqual(['spec', 'realServers', 0]);
    expect(s.backends[1]?.holder).toEqual({ kind: 'RealServer', namespace: 'default', name: 'rs-a' });
    expect(s.backends[1]?.path).toEqual(['spec']);
  });

  it('a real server listed twice is an issue; the first one stays', () => {
    const s = normaliseService(
      vs({ realServers: [{ address: '10.0.0.5', weight: 2 }, { address: '10.0.0.6' }, { address: '10.0.0.5' }] }),
      [],
      noSecrets,
    );
    expect(ids(s)).toEqual(['10.0.0.5:80', '10.0.0.6:80']);
    expect(s.backends[0]?.weight).toBe(2);
    expect(s.issues).toEqual([
      {
        object: s.ref,
        path: ['spec', 'realServers', 2],
        message: 'real server 10.0.0.5:80 is listed twice',
        transient: false,
      },
    ]);
  });

  it('a missing Secret of a check is a transient issue on the entry; the server stays, without that probe', () => {
    const https = {
      type: 'HTTPS',
      http: { urls: [{ path: '/' }], tls: { verify: true, caSecretRef: { name: 'ca', key: 'ca.crt' } } },
    };
    const spec = { healthChecks: [https], realServers: [{ address: '10.0.0.5', port: 443 }] };
    const missing = normaliseService(vs(spec), [], noSecrets);
    expect(ids(missing)).toEqual(['10.0.0.5:443']);
    expect(missing.backends[0]?.checks).toEqual([]);
    expect(missing.issues).toEqual([
      {
        object: missing.ref,
        path: ['spec', 'healthChecks', 0, 'http', 'tls', 'caSecretRef'],
        message: '10.0.0.5:443: Secret ca key ca.crt not found',
        transient: true,
      },
    ]);
    const found = normaliseService(vs(spec), [], (ns, name, key) =>
      ns === 'default' && name === 'ca' && key === 'ca.crt' ? 'PEM' : undefined,
    );
    expect(found.issues).toEqual([]);
    const probe = found.backends[0]?.checks[0]?.probe;
    expect(probe?.type === 'HTTPS' && probe.tls.ca).toEqual({ kind: 'pem', pem: 'PEM' });
  });

  it('an unparseable value is an issue on the entry, never dropped silently', () => {
    // The schema refuses these; a value that got past it anyway still leaves a trace.
    const valid = vs({ realServers: [{ address: '10.0.0.5' }], sorryServer: { address: '10.0.0.99' } });
    const inline = valid.spec.realServers ?? [];
    const broken: VirtualServer = {
      ...valid,
      spec: {
        ...valid.spec,
        addresses: [...(valid.spec.addresses ?? []), { ip: '192.168.105.300', port: 80 }],
        realServers: [...inline, ...inline.map((r) => ({ ...r, address: 'backend.example' }))],
        sorryServer: { address: '10.0.0', inhibit: false },
      },
    };
    const s = normaliseService(broken, [], noSecrets);
    expect(s.addresses.map((a) => a.ip.text)).toEqual(['192.168.105.253']);
    expect(ids(s)).toEqual(['10.0.0.5:80']);
    expect(s.sorry).toBeUndefined();
    expect(issueTexts(s.issues)).toEqual([
      'spec.addresses.1.ip: unparseable address 192.168.105.300',
      'spec.realServers.1.address: unparseable real server address backend.example',
      'spec.sorryServer.address: unparseable address 10.0.0',
    ]);
  });

  it('reads the VIP reports of inline servers from the VirtualServer status, by canonical VIP', () => {
    const s = normaliseService(
      vs(
        {
          addresses: [{ ip: '2001:db8::10', port: 80 }],
          realServers: [{ address: '2001:db8::5' }, { address: '2001:db8::6' }],
        },
        {
          realServerVips: [
            { node: 'n1', address: '2001:DB8::5', vip: '2001:DB8:0::10', mode: 'Loopback', configured: true },
            // A failing node outweighs another node's success for the same server and VIP.
            {
              node: 'n2',
              address: '2001:db8::6',
              vip: '2001:db8::10',
              mode: 'Loopback',
              configured: false,
              message: 'arp_ignore cannot be set',
            },
            { node: 'n3', address: '2001:db8::6', vip: '2001:db8::10', mode: 'Loopback', configured: true },
          ],
        },
      ),
      [],
      noSecrets,
    );
    expect(s.backends.map((b) => [b.id, Object.fromEntries(b.vipReports)])).toEqual([
      ['[2001:db8::5]:80', { '2001:db8::10': { configured: true, node: 'n1' } }],
      ['[2001:db8::6]:80', { '2001:db8::10': { configured: false, node: 'n2', message: 'arp_ignore cannot be set' } }],
    ]);
  });

  it('reads the VIP reports of a RealServer object from its status', () => {
    const s = normaliseService(
      vs({ realServerSelector: { matchLabels: { app: 'web' } } }),
      [
        rs(
          'rs-1',
          { address: '10.0.0.5' },
          {
            status: {
              vips: [
                {
                  vip: '192.168.105.253',
                  mode: 'IptablesRedirect',
                  configured: false,
                  message: 'REDIRECT rules unavailable',
                },
              ],
            },
          },
        ),
      ],
      noSecrets,
    );
    expect(Object.fromEntries(s.backends[0]?.vipReports ?? [])).toEqual({
      '192.168.105.253': { configured: false, message: 'REDIRECT rules unavailable' },
    });
  });
});

describe('ModelCache', () => {
  const selector = { realServerSelector: { matchLabels: { app: 'web' } } };
  const objects = (...extra: ManifestObject[]): ManifestObject[] => [
    group({}),
    vs(selector),
    vs({ realServers: [{ address: '10.0.0.7' }] }, undefined, 'api'),
    ...extra,
  ];

  it('returns the same entry objects when nothing changed', () => {
    const cache = new ModelCache();
    const rs1 = rs('rs-1', { address: '10.0.0.5' });
    const input = objects(rs1);
    const first = cache.build(input, noSecrets);
    const second = cache.build([...input], noSecrets);
    expect(second.groups[0]).toBe(first.groups[0]);
    expect(second.services[0]).toBe(first.services[0]);
    expect(second.services[1]).toBe(first.services[1]);
    expect(second.realServers).toBe(first.realServers);
    expect(first.realServers.map((r) => [r.ref.name, r.address.text])).toEqual([['rs-1', '10.0.0.5']]);
  });

  it('normalises again only the object that changed', () => {
    const cache = new ModelCache();
    const input = objects(rs('rs-1', { address: '10.0.0.5' }));
    const first = cache.build(input, noSecrets);
    const edited = input.map((o) =>
      o.kind === 'VirtualServer' && o.metadata.name === 'api'
        ? vs({ realServers: [{ address: '10.0.0.8' }] }, undefined, 'api')
        : o,
    );
    const second = cache.build(edited, noSecrets);
    expect(second.services[0]).toBe(first.services[0]);
    expect(second.groups[0]).toBe(first.groups[0]);
    expect(second.services[1]).not.toBe(first.services[1]);
    expect(second.services[1] && ids(second.services[1])).toEqual(['10.0.0.8:80']);
  });

  it('returns new entries when a RealServer changes', () => {
    const cache = new ModelCache();
    const input = objects(rs('rs-1', { address: '10.0.0.5' }));
    const first = cache.build(input, noSecrets);
    const moved = input.map((o) => (o.kind === 'RealServer' ? rs('rs-1', { address: '10.0.0.6' }) : o));
    const second = cache.build(moved, noSecrets);
    expect(second.services[0]).not.toBe(first.services[0]);
    expect(second.services[0] && ids(second.services[0])).toEqual(['10.0.0.6:80']);
    expect(second.realServers).not.toBe(first.realServers);
    expect(second.realServers.map((r) => r.address.text)).toEqual(['10.0.0.6']);
    const added = cache.build([...moved, rs('rs-2', { address: '10.0.0.9' })], noSecrets);
    expect(added.services[0] && ids(added.services[0])).toEqual(['10.0.0.6:80', '10.0.0.9:80']);
  });

  it('returns new entries when a Secret appears, and the issue it caused is gone', () => {
    const cache = new ModelCache();
    const auth = group({ authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } } });
    const first = cache.build([auth], noSecrets);
    expect(first.groups[0]?.issues.map((i) => i.transient)).toEqual([true]);
    const secret = SecretSchema.parse({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vrrp', namespace: 'default' },
      stringData: { password: 's3cret' },
    });
    const second = cache.build([auth, secret], (_ns, name, key) =>
      name === 'vrrp' ? secretValue(secret, key) : undefined,
    );
    expect(second.groups[0]).not.toBe(first.groups[0]);
    expect(second.groups[0]?.password).toBe('s3cret');
    expect(second.groups[0]?.issues).toEqual([]);
  });
});
