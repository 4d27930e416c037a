import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_VERSION, validateObject, type ManifestObject } from '../../../src/api/index.js';
import { loadStandaloneGroups, planStandaloneGroups } from '../../../src/cli/vrrp-groups.js';

const node = { name: 'lb1', labels: { role: 'lb' } };

const group = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'VrrpGroup',
  metadata: { name },
  spec: { virtualRouterId: 1, interface: 'eth0', virtualIPs: [{ address: '10.0.0.1' }], ...spec },
});

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vrrp' }, stringData: { password: 'pw' } };

/** Objects as validation hands them to the planner (defaults applied). */
const valid = (...values: unknown[]): ManifestObject[] =>
  values.map((v) => {
    const r = validateObject(v);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.object;
  });

const dir = mkdtempSync(join(tmpdir(), 'lvs-standalone-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const write = (text: string, ext = 'yaml'): string => {
  const path = join(dir, `m${++files}.${ext}`);
  writeFileSync(path, text);
  return path;
};

describe('planStandaloneGroups', () => {
  it("applies the API's defaults: VRRPv2 (keepalived's), advert 1 s, priority 100, GARP 5 s x 5, no preempt", () => {
    const { instances, warnings } = planStandaloneGroups(valid(group('vi')), node);
    expect(warnings).toEqual([]);
    expect(instances).toEqual([
      {
        name: 'default/vi',
        vrid: 1,
        version: 2,
        family: 4,
        interface: 'eth0',
        priority: 100,
        advertIntervalMs: 1000,
        preempt: false,
        preemptDelayMs: 0,
        virtualIPs: [{ address: '10.0.0.1', prefixLength: 32 }],
        unicastPeers: [],
        auth: { type: 'none' },
        acceptMode: true,
        trackInterfaces: [],
        trackScripts: [],
        garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
        notify: {},
      },
    ]);
  });

  it('normalises IPv6 VIPs', () => {
    const g = group('v6', { version: 3, virtualIPs: [{ address: '2001:DB8::1/64' }], unicastPeers: ['fe80::1'] });
    const [c] = planStandaloneGroups(valid(g), node).instances;
    expect(c).toMatchObject({ family: 6, virtualIPs: [{ address: '2001:db8::1', prefixLength: 64 }] });
  });

  it("resolves the PASS password from the Secret, and applies this node's overrides", () => {
    const g = group('vi', {
      authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } },
      nodes: [{ name: 'lb1', priority: 150, interface: 'eth1' }],
    });
    const [c] = planStandaloneGroups(valid(g, secret), node).instances;
    expect(c).toMatchObject({ auth: { type: 'pass', password: 'pw' }, priority: 150, interface: 'eth1' });
  });

  it('runs only the groups whose nodeSelector picks this node', () => {
    const here = group('here', { nodeSelector: { matchLabels: { role: 'lb' } } });
    const there = group('there', { virtualRouterId: 2, nodeSelector: { matchLabels: { role: 'db' } } });
    expect(planStandaloneGroups(valid(here, there), node).instances.map((i) => i.name)).toEqual(['default/here']);
  });

  it.each([
    {
      name: 'a missing Secret',
      objects: () =>
        valid(group('vi', { authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } } })),
      problem: /Secret default\/vrrp key password not found/,
    },
    {
      name: 'an object that is not a VrrpGroup or a Secret',
      objects: () =>
        valid(group('vi'), {
          apiVersion: API_VERSION,
          kind: 'RealServer',
          metadata: { name: 'rs' },
          spec: { address: '10.0.0.1' },
        }),
      problem: /RealServer\/default\/rs: only VrrpGroups and Secrets are run here/,
    },
    {
      name: 'no group for this node',
      objects: () => valid(group('vi', { nodeSelector: { matchLabels: { role: 'db' } } })),
      problem: /no VrrpGroup selects node lb1/,
    },
  ])('refuses $name with LVS_CONFIG_INVALID', ({ objects, problem }) => {
    expect(() => planStandaloneGroups(objects(), node)).toThrow(
      expect.objectContaining({ code: 'LVS_CONFIG_INVALID', message: expect.stringMatching(problem) }),
    );
  });
});

describe('loadStandaloneGroups', () => {
  it('reads a YAML file of a VrrpGroup and its Secret', async () => {
    const path = write(`
apiVersion: ${API_VERSION}
kind: VrrpGroup
metadata: { name: vi }
spec:
  virtualRouterId: 7
  interface: eth0
  advertInterval: 2s
  virtualIPs: [{ address: 10.0.0.7/24 }]
  authentication: { type: PASS, secretRef: { name: vrrp, key: password } }
---
apiVersion: v1
kind: Secret
type: lvs.io/vrrp-auth
metadata: { name: vrrp }
stringData: { password: pw }
`);
    const { instances, warnings } = await loadStandaloneGroups([path], node);
    expect(warnings).toEqual([]);
    expect(instances).toMatchObject([
      {
        vrid: 7,
        advertIntervalMs: 2000,
        virtualIPs: [{ address: '10.0.0.7', prefixLength: 24 }],
        auth: { type: 'pass' },
      },
    ]);
  });

  it('reads a JSON file, and reports settings accepted but not acted on', async () => {
    const path = write(JSON.stringify(group('vi', { syncGroup: 'pair' })), 'json');
    const { instances, warnings } = await loadStandaloneGroups([path], node);
    expect(instances).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/syncGroup/);
  });

  it.each([
    { name: 'VRRPv2 over IPv6', spec: { version: 2, virtualIPs: [{ address: '2001:db8::1' }] } },
    { name: 'VRRPv2 with 100 ms', spec: { version: 2, advertInterval: '100ms' } },
    {
      name: 'VRRPv3 with PASS',
      spec: { version: 3, authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } } },
    },
    { name: 'a bad VIP', spec: { virtualIPs: [{ address: '10.0.0.300' }] } },
    { name: 'VRID 0', spec: { virtualRouterId: 0 } },
    { name: 'an unknown field', spec: { advertIntervalMs: 1000 } },
  ])('refuses $name with LVS_CONFIG_INVALID, naming the file', async ({ spec }) => {
    const path = write(JSON.stringify(group('vi', spec)), 'json');
    await expect(loadStandaloneGroups([path], node)).rejects.toThrow(
      expect.objectContaining({ code: 'LVS_CONFIG_INVALID', message: expect.stringContaining(path) }),
    );
  });

  it('refuses a path that cannot be read', async () => {
    await expect(loadStandaloneGroups([join(dir, 'missing.yaml')], node)).rejects.toThrow(
      expect.objectContaining({ code: 'LVS_CONFIG_INVALID', message: expect.stringMatching(/cannot read: ENOENT/) }),
    );
  });
});
