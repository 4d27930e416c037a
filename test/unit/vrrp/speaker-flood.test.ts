/**
 * A flood of spoofed adverts (every packet from a new source) against a backup: every drop is
 * counted, the drop log stays within its budget per (reason, peer kind) and minute with a
 * summary of what it suppressed, the real master's problems are still logged during the flood,
 * and the state does not move.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { Announcer } from '../../../src/net/announcer.js';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';
import { FakeLinks } from '../../../src/net/fake-links.js';
import { FakePacketSockets } from '../../../src/net/fake-packet-sockets.js';
import { FakeProcessRunner } from '../../../src/net/fake-process-runner.js';
import { FakeVipFilter } from '../../../src/net/fake-vip-filter.js';
import { encodeAdvert } from '../../../src/vrrp/codec.js';
import type { FakeAdvertTransport } from '../../../src/vrrp/fake-transport.js';
import { FakeWire } from '../../../src/vrrp/fake-transport.js';
import { VrrpSpeaker } from '../../../src/vrrp/speaker.js';
import type { TransportOptions } from '../../../src/vrrp/transport.js';
import type { VrrpInstanceConfig } from '../../../src/vrrp/types.js';
import { MemoryVipRecordStore } from '../../../src/vrrp/vip-record.js';

const config: VrrpInstanceConfig = {
  name: 'vi1',
  vrid: 51,
  version: 3,
  family: 4,
  interface: 'eth0',
  priority: 100,
  advertIntervalMs: 1000,
  preempt: true,
  preemptDelayMs: 0,
  virtualIPs: [{ address: '10.0.0.100', prefixLength: 32 }],
  unicastPeers: [],
  auth: { type: 'none' },
  acceptMode: true,
  trackInterfaces: [],
  trackScripts: [],
  garp: { masterDelayMs: 5000, masterRepeat: 2, masterRefreshMs: 0, masterRefreshRepeat: 1 },
  notify: {},
};

interface LogLine {
  readonly msg: string;
  readonly reason?: string;
  readonly peer?: string;
  readonly peerKind?: string;
  readonly suppressed?: number;
}

function speakerOn(wire: FakeWire, clock: FakeClock, address: string, priority: number) {
  const addresses = new FakeAddresses();
  void addresses.add({ ifindex: 2, address, prefixLength: 24 });
  const lines: LogLine[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  let transport: FakeAdvertTransport | undefined;
  const registry = new Registry();
  const speaker = new VrrpSpeaker({
    vipFilter: new FakeVipFilter(),
    instances: [{ ...config, priority }],
    clock,
    log,
    registry,
    links: new FakeLinks([{ index: 2, name: 'eth0', mac: `02:00:00:00:00:0${address.slice(-1)}`, up: true }]),
    addresses,
    announcer: new Announcer(new FakePacketSockets()),
    openTransport: (opts: TransportOptions) => (transport = wire.factory(opts) as FakeAdvertTransport),
    commands: new FakeProcessRunner(),
    vipRecord: new MemoryVipRecordStore(),
  });
  const deliver = (source: string, payload: Uint8Array) => {
    if (!transport) throw new Error('speaker not started');
    transport.deliver({
      ok: true,
      value: { payload, meta: { family: 4, source, destination: '224.0.0.18', ttl: 255 } },
    });
  };
  return { speaker, lines, registry, deliver };
}

async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
  }
}

it('a flood from spoofed sources is counted, logged within budget, and moves nothing', async () => {
  const clock = new FakeClock();
  const wire = new FakeWire(clock);
  const a = speakerOn(wire, clock, '10.0.0.1', 150);
  const b = speakerOn(wire, clock, '10.0.0.2', 100);
  await a.speaker.start();
  await b.speaker.start();
  await advance(clock, 4000);
  expect(b.speaker.status()[0]).toMatchObject({ state: 'backup', master: '10.0.0.1' });

  const FLOOD = 20_000;
  for (let i = 0; i < FLOOD; i++) {
    const source = `10.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`;
    const ph = { family: 4 as const, source, destination: '224.0.0.18' };
    const vrid = i % 2 === 0 ? 52 : 51;
    // Odd packets: right VRID, wrong address list (address_list_mismatch); even: unknown VRID.
    const p = encodeAdvert({ version: 3, vrid, priority: 200, advertIntervalMs: 1000, addresses: ['10.9.9.9'] }, ph);
    b.deliver(source, p);
  }
  // The real master's own problem is still logged during the flood (its class has budget left).
  const mph = { family: 4 as const, source: '10.0.0.1', destination: '224.0.0.18' };
  b.deliver(
    '10.0.0.1',
    encodeAdvert({ version: 3, vrid: 51, priority: 150, advertIntervalMs: 1000, addresses: ['10.9.9.9'] }, mph),
  );
  await advance(clock, 100);

  const dropped = b.lines.filter((l) => l.msg === 'advert dropped');
  expect(dropped.filter((l) => l.reason === 'unknown_vrid')).toHaveLength(5);
  expect(dropped.filter((l) => l.reason === 'address_list_mismatch' && l.peer !== '10.0.0.1')).toHaveLength(5);
  expect(dropped.filter((l) => l.peer === '10.0.0.1')).toHaveLength(1);
  const counted = (await b.registry.getSingleMetric('lvs_vrrp_adverts_dropped_total')?.get())?.values ?? [];
  const count = (reason: string) => counted.find((v) => v.labels['reason'] === reason)?.value;
  expect(count('unknown_vrid')).toBe(FLOOD / 2);
  expect(count('address_list_mismatch')).toBe(FLOOD / 2 + 1);
  expect(b.speaker.status()[0]).toMatchObject({ state: 'backup', master: '10.0.0.1' });
  expect(a.speaker.status()[0]?.state).toBe('master');

  // The window ends: one summary per class that suppressed lines, with the exact count.
  await advance(clock, 60_000);
  const summaries = b.lines.filter((l) => l.msg === 'advert drop lines suppressed');
  expect(summaries.map((l) => [l.reason, l.peerKind, l.suppressed]).sort()).toEqual([
    ['address_list_mismatch', 'stranger', FLOOD / 2 - 5],
    ['unknown_vrid', 'stranger', FLOOD / 2 - 5],
  ]);
  // A problem that persists is logged again in the next window.
  b.deliver(
    '10.200.0.1',
    encodeAdvert(
      { version: 3, vrid: 52, priority: 1, advertIntervalMs: 1000, addresses: ['10.9.9.9'] },
      { family: 4, source: '10.200.0.1', destination: '224.0.0.18' },
    ),
  );
  expect(b.lines.at(-1)).toMatchObject({ msg: 'advert dropped', reason: 'unknown_vrid', peer: '10.200.0.1' });
  expect(b.speaker.status()[0]?.state).toBe('backup');
});
