import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import type { HealthProbe, VipPathMode } from '../../../src/health/types.js';
import { createVipPathChecker } from '../../../src/health/vip-path-check.js';
import { SyscallError } from '../../../src/net/errors.js';
import { FakeL2Paths } from '../../../src/net/fake-l2-paths.js';
import type { L2Path, SynProbeOutcome, SynProbeRequest } from '../../../src/net/index.js';

const RS = '192.0.2.11';
const RS_MAC = '02:00:00:00:00:0b';
const direct: L2Path = {
  kind: 'direct',
  ifindex: 3,
  iface: 'eth0',
  srcMac: '02:00:00:00:00:01',
  srcIp: '192.0.2.1',
  dstMac: RS_MAC,
};

function probe(mode: VipPathMode = 'Auto'): Extract<HealthProbe, { type: 'VIP_PATH' }> {
  return {
    type: 'VIP_PATH',
    vip: '192.0.2.100',
    mode,
    encapsulation: 'none',
    target: { ip: RS, family: 4, port: 80 },
    intervalMs: 1000,
    timeoutMs: 800,
    retry: 1,
    delayBeforeRetryMs: 1000,
    warmupMs: 0,
  };
}

/** A prober that answers from a script (or throws), recording each request. */
class ScriptedProber {
  readonly requests: SynProbeRequest[] = [];
  constructor(private readonly next: () => SynProbeOutcome | Error) {}
  probe(req: SynProbeRequest): Promise<SynProbeOutcome> {
    this.requests.push(req);
    const out = this.next();
    return out instanceof Error ? Promise.reject(out) : Promise.resolve(out);
  }
}

function setup(path: L2Path | undefined, next: () => SynProbeOutcome | Error) {
  const paths = new FakeL2Paths();
  if (path) paths.paths.set(RS, path);
  const prober = new ScriptedProber(next);
  const lines: { msg: string; skip?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) });
  const registry = new Registry();
  const metrics = new HealthMetrics(registry);
  const check = createVipPathChecker({ clock: new FakeClock(0) }, { paths, prober, log, metrics });
  return { check, paths, prober, lines, registry, run: (p = probe()) => check(p, new AbortController().signal) };
}

describe('VIP-path checker', () => {
  it('a SYN-ACK passes, and the SYN goes to the neighbour MAC from the route source, with the remaining timeout', async () => {
    const { run, prober } = setup(direct, () => ({ kind: 'syn-ack', latencyMs: 2 }));
    expect(await run()).toEqual({ ok: true, latencyMs: 2 });
    expect(prober.requests[0]).toMatchObject({
      ifindex: 3,
      via: { kind: 'link', srcMac: '02:00:00:00:00:01', dstMac: RS_MAC },
      srcIp: '192.0.2.1',
      vip: '192.0.2.100',
      port: 80,
      timeoutMs: 800,
    });
  });

  it.each<{ name: string; mode: VipPathMode; outcome: SynProbeOutcome; reason: string; detail: string }>([
    {
      name: 'silence (the server does not accept the VIP)',
      mode: 'Auto',
      outcome: { kind: 'silence', latencyMs: 800 },
      reason: 'vip-path',
      detail: `VIP path: no answer to a SYN for 192.0.2.100:80 delivered to ${RS_MAC}`,
    },
    {
      name: 'a RST (VIP accepted, port closed)',
      mode: 'Auto',
      outcome: { kind: 'rst', latencyMs: 1 },
      reason: 'refused',
      detail: `VIP path: RST from 192.0.2.100:80 through ${RS_MAC}: the server accepts the VIP but nothing listens on the port`,
    },
    {
      name: 'silence, Enabled',
      mode: 'Enabled',
      outcome: { kind: 'silence', latencyMs: 800 },
      reason: 'vip-path',
      detail: `VIP path: no answer to a SYN for 192.0.2.100:80 delivered to ${RS_MAC}`,
    },
  ])('$name fails in both modes', async ({ mode, outcome, reason, detail }) => {
    const { run } = setup(direct, () => outcome);
    expect(await run(probe(mode))).toEqual({ ok: false, reason, detail, latencyMs: outcome.latencyMs });
  });

  it.each<{ name: string; path: L2Path | undefined; skip: string; reason: string; detail: RegExp }>([
    {
      name: 'a routed server',
      path: { kind: 'routed', gateway: '192.0.2.254', ifindex: 3, iface: 'eth0', srcIp: '192.0.2.1' },
      skip: 'routed',
      reason: 'unreachable',
      detail: /reached through gateway 192\.0\.2\.254 on eth0/,
    },
    { name: 'a local address', path: { kind: 'local' }, skip: 'local', reason: 'unreachable', detail: /this node/ },
    {
      name: 'an unresolved neighbour',
      path: { kind: 'unresolved', iface: 'eth0' },
      skip: 'unresolved',
      reason: 'unreachable',
      detail: /did not answer ARP/,
    },
    { name: 'no route', path: undefined, skip: 'no-route', reason: 'unreachable', detail: /no route to 192\.0\.2\.11/ },
  ])('$name: Auto passes unchecked, Enabled fails', async ({ path, skip, reason, detail }) => {
    const { run, prober, registry } = setup(path, () => ({ kind: 'syn-ack', latencyMs: 1 }));
    const auto = await run(probe('Auto'));
    expect(auto).toMatchObject({ ok: true, detail: expect.stringMatching(/^not checked: VIP path: /) });
    const enabled = await run(probe('Enabled'));
    expect(enabled).toMatchObject({ ok: false, reason, detail: expect.stringMatching(detail) });
    expect(prober.requests).toHaveLength(0);
    expect(await registry.getSingleMetricAsString('lvs_health_vip_path_skipped_total')).toContain(
      `lvs_health_vip_path_skipped_total{reason="${skip}"} 2`,
    );
  });

  it('no CAP_NET_RAW: reported once for every server, Auto passes unchecked, Enabled fails with the errno', async () => {
    const { run, lines, paths } = setup(direct, () => new SyscallError('socket', 1, 'EPERM'));
    paths.paths.set('192.0.2.12', direct);
    for (let i = 0; i < 3; i++) expect(await run(probe('Auto'))).toMatchObject({ ok: true });
    const other = probe('Auto');
    expect(await run({ ...other, target: { ...other.target, ip: '192.0.2.12' } })).toMatchObject({ ok: true });
    expect(await run(probe('Enabled'))).toMatchObject({
      ok: false,
      reason: 'error',
      detail: expect.stringMatching(/CAP_NET_RAW.*EPERM/),
    });
    expect(lines.filter((l) => l.skip === 'no-capability').map((l) => l.msg)).toEqual([
      'vip-path probe cannot run; not checked',
    ]);
  });

  it('a failing route lookup is an error in Enabled mode and unchecked in Auto mode', async () => {
    const paths = new FakeL2Paths();
    paths.failWith = new Error('netlink socket closed');
    const broken = createVipPathChecker(
      { clock: new FakeClock(0) },
      { paths, prober: { probe: () => Promise.reject(new Error('unused')) }, log: pino({ level: 'silent' }) },
    );
    expect(await broken(probe('Auto'), new AbortController().signal)).toMatchObject({ ok: true });
    expect(await broken(probe('Enabled'), new AbortController().signal)).toMatchObject({
      ok: false,
      reason: 'error',
      detail: expect.stringContaining('netlink socket closed'),
    });
  });

  it.each<{ name: string; path: L2Path }>([
    { name: 'a connected', path: direct },
    {
      name: 'a routed',
      path: { kind: 'routed', gateway: '192.0.2.254', ifindex: 3, iface: 'eth0', srcIp: '192.0.2.1' },
    },
  ])(
    'TUN: the SYN goes inside IPIP to $name server, the answer is awaited on the route interface',
    async ({ path }) => {
      const { check, prober } = setup(path, () => ({ kind: 'silence', latencyMs: 800 }));
      const result = await check({ ...probe(), encapsulation: 'ipip' }, new AbortController().signal);
      expect(prober.requests[0]).toMatchObject({ ifindex: 3, srcIp: '192.0.2.1', via: { kind: 'ipip', remote: RS } });
      expect(result).toMatchObject({
        ok: false,
        reason: 'vip-path',
        detail: `VIP path: no answer to a SYN for 192.0.2.100:80 sent inside IPIP to ${RS}`,
      });
    },
  );

  it('reuses a looked-up path for 10 s, and looks it up again after an attempt without an answer', async () => {
    const clock = new FakeClock(0);
    const paths = new FakeL2Paths();
    paths.paths.set(RS, direct);
    let answer: SynProbeOutcome = { kind: 'syn-ack', latencyMs: 1 };
    const prober = new ScriptedProber(() => answer);
    const check = createVipPathChecker({ clock }, { paths, prober, log: pino({ level: 'silent' }) });
    const run = () => check(probe(), new AbortController().signal);
    await run();
    clock.advance(5_000);
    await run();
    expect(paths.lookups).toHaveLength(1);
    clock.advance(5_000);
    await run();
    expect(paths.lookups).toHaveLength(2);
    answer = { kind: 'silence', latencyMs: 800 };
    await run();
    answer = { kind: 'syn-ack', latencyMs: 1 };
    await run();
    expect(paths.lookups).toHaveLength(3);
  });

  it('a send that fails for another reason is an error, not a missing capability', async () => {
    const { run, registry } = setup(direct, () => new SyscallError('send', 6, 'ENXIO'));
    expect(await run(probe('Enabled'))).toMatchObject({
      ok: false,
      reason: 'error',
      detail: 'VIP path: cannot send on eth0: send failed: ENXIO',
    });
    expect(await registry.getSingleMetricAsString('lvs_health_vip_path_skipped_total')).toContain(
      'lvs_health_vip_path_skipped_total{reason="error"} 1',
    );
  });
});
