import { describe, expect, it } from 'vitest';
import { OPEN_VIP_POLICY, parseAddressWithPrefix, type VipPolicy } from '../../../src/api/index.js';
import { planChanges, tableFrom, type ChangeInputs } from '../../../src/cli/plan-changes.js';
import { describeOp, renderJson, renderText } from '../../../src/cli/plan-render.js';
import type { GroupRole } from '../../../src/director/index.js';
import {
  DEFAULT_DRAIN_POLICY,
  formatOp,
  IpvsRecordError,
  recordOwnership,
  serviceId,
  type ObservedService,
  type ServiceKey,
} from '../../../src/ipvs/index.js';
import { applyOps } from '../../../src/ipvs/plan.js';
import { buildModel, type Model } from '../../../src/model/index.js';
import {
  EMPTY_SNAPSHOT,
  mergeWithLastGood,
  parseManifestText,
  type ManifestSnapshot,
} from '../../../src/sources/index.js';

const node = { name: 'n1', labels: {} };

const vs = (name: string, vip: string, o: { scheduler?: string; servers?: string[]; weights?: number[] } = {}) => `
apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: ${vip}, port: 80 }]
  forwarding: NAT
  scheduler: ${o.scheduler ?? 'wlc'}
  realServers:
${(o.servers ?? ['10.9.0.1'])
  .map((a, i) => `    - { address: ${a}, port: 8080, weight: ${o.weights?.[i] ?? 1} }`)
  .join('\n')}
`;

/** A DR service whose first server names its node, which never reports the VIP accepted. */
const dr = (servers: string[]) => `
apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: dr }
spec:
  addresses: [{ ip: 10.8.0.9, port: 80 }]
  forwarding: DR
  scheduler: rr
  realServers:
${servers.map((a, i) => `    - { address: ${a}, port: 80${i === 0 ? ', node: rs1' : ''} }`).join('\n')}
`;

const group = (vips: string[], priority = 100) => `
apiVersion: lvs.io/v1alpha1
kind: VrrpGroup
metadata: { name: vg }
spec:
  virtualRouterId: 51
  interface: eth0
  priority: ${priority}
  virtualIPs: [${vips.map((v) => `{ address: ${v} }`).join(', ')}]
`;

function snapshot(texts: readonly string[], previous: ManifestSnapshot = EMPTY_SNAPSHOT): ManifestSnapshot {
  const parsed = texts.map((t, i) => parseManifestText(t, `m${i}.yaml`));
  return mergeWithLastGood(
    previous,
    parsed.flatMap((p) => p.documents),
    parsed.flatMap((p) => p.diagnostics),
  );
}

const modelOf = (s: ManifestSnapshot): Model =>
  buildModel(
    s.objects.map((o) => o.object),
    () => undefined,
  );

const key = (address: string, port = 80): ServiceKey => ({ kind: 'addr', af: 'inet', protocol: 'tcp', address, port });

/** kube-proxy's service: in the kernel, not in the record. */
const KUBE: ObservedService = tableFrom(
  modelOf(snapshot([vs('k', '10.96.0.1', { servers: ['172.18.0.2'] })])),
  node,
  OPEN_VIP_POLICY,
  () => 'master',
).map((s) => ({ ...s, key: key('10.96.0.1', 80) }))[0] as ObservedService;

interface Case {
  name: string;
  current: string[];
  next: string[];
  /** Connections on the current destinations, by address. */
  conns?: Record<string, number>;
  foreign?: boolean;
  policy?: VipPolicy;
  commands: string[];
  summary?: string[];
  refused?: string[];
  drains?: string[];
  instances?: string[];
}

/** The node runs `current` (its services in the kernel and the record), optionally with kube-proxy's. */
function inputs(c: Case): ChangeInputs {
  const cur = snapshot(c.current);
  const next = snapshot(c.next, cur);
  const roleOf = (): GroupRole => 'master';
  const ours = tableFrom(modelOf(cur), node, OPEN_VIP_POLICY, roleOf).map((s) => ({
    ...s,
    destinations: s.destinations.map((d) => ({ ...d, activeConns: c.conns?.[d.key.address] ?? 0 })),
  }));
  const kernel = [...ours, ...(c.foreign ? [KUBE] : [])];
  const present = new Set(kernel.map((s) => serviceId(s.key)));
  return {
    node,
    vipPolicy: c.policy ?? OPEN_VIP_POLICY,
    current: modelOf(cur),
    next: modelOf(next),
    diagnostics: next.diagnostics,
    kernel,
    ownership: recordOwnership({ keys: ours.map((s) => s.key), unproven: [] }, [], (id) => present.has(id)),
    drain: DEFAULT_DRAIN_POLICY,
    roleOf,
  };
}

const cases: Case[] = [
  {
    name: 'nothing changes',
    current: [vs('web', '10.8.0.1')],
    next: [vs('web', '10.8.0.1')],
    commands: [],
  },
  {
    name: 'a service added',
    current: [vs('web', '10.8.0.1')],
    next: [vs('web', '10.8.0.1'), vs('api', '10.8.0.2', { servers: ['10.9.0.5', '10.9.0.6'] })],
    commands: [
      '-A -t 10.8.0.2:80 -s wlc',
      '-a -t 10.8.0.2:80 -r 10.9.0.5:8080 -m -w 1',
      '-a -t 10.8.0.2:80 -r 10.9.0.6:8080 -m -w 1',
    ],
    summary: [
      '+ service tcp 10.8.0.2:80 (VirtualServer default/api): added, scheduler wlc',
      '+ real server 10.9.0.5:8080 of service tcp 10.8.0.2:80 (VirtualServer default/api): added, NAT, weight 1',
      '+ real server 10.9.0.6:8080 of service tcp 10.8.0.2:80 (VirtualServer default/api): added, NAT, weight 1',
    ],
  },
  {
    name: 'a service removed; the foreign one left alone',
    current: [vs('web', '10.8.0.1'), vs('api', '10.8.0.2')],
    next: [vs('web', '10.8.0.1')],
    foreign: true,
    commands: ['-D -t 10.8.0.2:80'],
    summary: [
      '- service tcp 10.8.0.2:80 (VirtualServer default/api): removed with its 1 real server',
      '= service tcp 10.96.0.1:80: left alone (not ours)',
    ],
  },
  {
    name: 'the scheduler changed: an edit in place',
    current: [vs('web', '10.8.0.1')],
    next: [vs('web', '10.8.0.1', { scheduler: 'rr' })],
    commands: ['-E -t 10.8.0.1:80 -s rr'],
    summary: ['~ service tcp 10.8.0.1:80 (VirtualServer default/web): scheduler wlc -> rr'],
  },
  {
    name: 'a destination added, one reweighted, an idle one removed',
    current: [vs('web', '10.8.0.1', { servers: ['10.9.0.1', '10.9.0.2', '10.9.0.3'] })],
    next: [vs('web', '10.8.0.1', { servers: ['10.9.0.1', '10.9.0.2', '10.9.0.4'], weights: [1, 5, 1] })],
    commands: [
      '-e -t 10.8.0.1:80 -r 10.9.0.2:8080 -m -w 5',
      '-a -t 10.8.0.1:80 -r 10.9.0.4:8080 -m -w 1',
      '-d -t 10.8.0.1:80 -r 10.9.0.3:8080',
    ],
    summary: [
      '~ real server 10.9.0.2:8080 of service tcp 10.8.0.1:80 (VirtualServer default/web): weight 1 -> 5',
      '+ real server 10.9.0.4:8080 of service tcp 10.8.0.1:80 (VirtualServer default/web): added, NAT, weight 1',
      '- real server 10.9.0.3:8080 of service tcp 10.8.0.1:80 (VirtualServer default/web): removed',
    ],
  },
  {
    name: 'a busy destination removed, and one set to weight 0: both start draining',
    current: [vs('web', '10.8.0.1', { servers: ['10.9.0.1', '10.9.0.2', '10.9.0.3'] })],
    next: [vs('web', '10.8.0.1', { servers: ['10.9.0.1', '10.9.0.2'], weights: [1, 0] })],
    conns: { '10.9.0.2': 4, '10.9.0.3': 7 },
    commands: ['-e -t 10.8.0.1:80 -r 10.9.0.2:8080 -m -w 0', '-e -t 10.8.0.1:80 -r 10.9.0.3:8080 -m -w 0'],
    drains: ['10.9.0.2 weightZero 4', '10.9.0.3 removed 7'],
    summary: [
      '! real server 10.9.0.2:8080 of service tcp 10.8.0.1:80 (VirtualServer default/web): starts draining (weight 0 in the spec; weight 1 -> 0; 4 active, 0 inactive connections; deleted once idle or after the drain timeout)',
      '! real server 10.9.0.3:8080 of service tcp 10.8.0.1:80 (VirtualServer default/web): starts draining (removed from the spec; weight 1 -> 0; 7 active, 0 inactive connections; deleted once idle or after the drain timeout)',
    ],
  },
  {
    name: "a service on kube-proxy's address: refused, nothing written",
    current: [],
    next: [vs('k', '10.96.0.1', { servers: ['10.9.0.9'] })],
    foreign: true,
    commands: [],
    refused: [
      'VirtualServer default/k: IPVS service tcp 10.96.0.1:80 already exists on this node and is not in its ownership record: another tool (kube-proxy, ipvsadm, keepalived) owns it, so it is left untouched. Remove that service, or, if this node made it, adopt it with --adopt-ipvs-service [ServiceConflict]',
    ],
  },
  {
    name: 'an invalid edit: refused with its message, the current version stays',
    current: [vs('web', '10.8.0.1')],
    next: [vs('web', '10.8.0.1', { scheduler: 'bogus' })],
    commands: [],
    refused: [/^VirtualServer\/web \(m0\.yaml:\d+\) spec\.scheduler: .+ \[InvalidSpec\]$/.source],
  },
  {
    name: 'a VIP outside the allowed ranges: refused whole',
    current: [],
    next: [vs('web', '10.8.0.1')],
    policy: { allow: [parseAddressWithPrefix('192.0.2.0/24') ?? expect.fail('bad CIDR')], deny: [] },
    commands: [],
    refused: [/^VirtualServer default\/web spec\.addresses\[0\]\.ip: .*10\.8\.0\.1.* \[VipDenied\]$/.source],
  },
  {
    name: 'a new DR server naming its node: in, its node has the grace period to report the VIP',
    current: [],
    next: [dr(['10.9.1.1'])],
    commands: ['-A -t 10.8.0.9:80 -s rr', '-a -t 10.8.0.9:80 -r 10.9.1.1:80 -g -w 1'],
  },
  {
    name: 'a running DR server whose node never reported: stays failing (out), a new server is added',
    current: [dr(['10.9.1.1'])],
    next: [dr(['10.9.1.1', '10.9.1.2'])],
    commands: ['-a -t 10.8.0.9:80 -r 10.9.1.2:80 -g -w 1'],
  },
  {
    name: 'a VIP changed: the instance restarts, one VIP taken, one released',
    current: [group(['10.7.0.1', '10.7.0.2'])],
    next: [group(['10.7.0.1', '10.7.0.3'])],
    commands: [],
    instances: ['restarted default/vg virtualIPs +10.7.0.3/32 -10.7.0.2/32'],
  },
  {
    name: 'a group added: started, its VIP taken as master',
    current: [],
    next: [group(['10.7.0.1'], 150)],
    commands: [],
    instances: ['started default/vg  +10.7.0.1/32 -'],
  },
];

describe('planChanges', () => {
  it.each(cases)('$name', (c) => {
    const i = inputs(c);
    const changes = planChanges(i);
    expect(changes.ops.map(formatOp)).toEqual(c.commands);
    if (c.summary) {
      const text = renderText('n1', changes);
      for (const line of c.summary) expect(text).toContain(`  ${line}\n`);
      expect(changes.ops.map((op) => describeOp(op, changes))).toEqual(c.summary.filter((l) => !l.startsWith('=')));
    }
    const refused = changes.refused.map((r) => `${r.object}${r.path ? ` ${r.path}` : ''}: ${r.message} [${r.reason}]`);
    expect(refused).toHaveLength((c.refused ?? []).length);
    (c.refused ?? []).forEach((r, n) => {
      if (r.startsWith('^')) expect(refused[n]).toMatch(new RegExp(r));
      else expect(refused[n]).toBe(r);
    });
    expect(changes.drains.map((d) => `${d.destination.address} ${d.why} ${d.activeConns}`)).toEqual(c.drains ?? []);
    expect(
      changes.instances.map(
        (x) =>
          `${x.change} ${x.ref} ${x.fields.join(',')} ${x.vipsAdded.map((v) => `+${v}`).join(' ')} ${x.vipsRemoved.map((v) => `-${v}`).join(' ') || '-'}`,
      ),
    ).toEqual(c.instances ?? []);
    // The prediction is a full pass: after its ops, the next pass has nothing left to do.
    if (c.drains === undefined) {
      const after = applyOps(i.kernel, changes.ops);
      const ours = after.filter((s) => serviceId(s.key) !== serviceId(KUBE.key)).map((s) => s.key);
      const ownership = recordOwnership({ keys: ours, unproven: [] }, [], () => true);
      expect(planChanges({ ...i, kernel: after, ownership }).ops).toEqual([]);
    }
  });

  it('renders a summary line and stable JSON', () => {
    const changes = planChanges(
      inputs({
        name: '',
        current: [vs('web', '10.8.0.1')],
        next: [vs('web', '10.8.0.1', { scheduler: 'rr' })],
        commands: [],
      }),
    );
    expect(renderText('n1', changes)).toBe(
      [
        'IPVS commands (ipvsadm, in the order the director applies them):',
        '  -E -t 10.8.0.1:80 -s rr',
        '',
        'IPVS changes:',
        '  ~ service tcp 10.8.0.1:80 (VirtualServer default/web): scheduler wlc -> rr',
        '',
        'Node n1: 1 IPVS change, 0 VRRP instance changes, 0 real servers starting to drain, 0 refused',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(renderJson('n1', changes))).toEqual({
      node: 'n1',
      changes: true,
      ipvs: {
        commands: ['-E -t 10.8.0.1:80 -s rr'],
        changes: [
          {
            command: '-E -t 10.8.0.1:80 -s rr',
            summary: '~ service tcp 10.8.0.1:80 (VirtualServer default/web): scheduler wlc -> rr',
          },
        ],
        draining: [],
        leftAlone: [],
      },
      vrrp: { instances: [] },
      refused: [],
      warnings: [],
    });
  });

  it('the ownership record unreadable: nothing present is touched, each desired present service refused', () => {
    const c: Case = {
      name: '',
      current: [vs('web', '10.8.0.1')],
      next: [vs('web', '10.8.0.1', { scheduler: 'rr' })],
      commands: [],
    };
    const i = inputs(c);
    const error = new IpvsRecordError('read', '/var/lib/lvs-operator/ipvs-owned', 'EACCES', 'cannot list the record');
    const changes = planChanges({ ...i, ownership: recordOwnership(error, [], () => true) });
    expect(changes.ops).toEqual([]);
    expect(changes.refused.map((r) => r.reason)).toEqual(['OwnershipUnproven']);
  });
});
