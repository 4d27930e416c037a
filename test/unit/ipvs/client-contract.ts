import { constants } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IpvsClient } from '../../../src/ipvs/client.js';
import * as K from '../../../src/ipvs/constants.js';
import type { Destination, Op, Service, ServiceKey } from '../../../src/ipvs/types.js';
import { serviceId } from '../../../src/ipvs/types.js';

/**
 * The IpvsClient contract: one suite run against the fake (test/unit) and against the real
 * netlink adapter inside the kernel harness (test/kernel/guest), so the fake cannot drift from
 * the kernel. The table must be ours alone: every case starts by deleting all services.
 */
export function describeIpvsClientContract(
  name: string,
  open: () => Promise<IpvsClient>,
  hooks: { afterDaemonStart?: () => Promise<void> } = {},
): void {
  describe(`IpvsClient contract: ${name}`, () => {
    let client: IpvsClient;
    beforeAll(async () => {
      client = await open();
    });
    afterAll(() => client.close());
    beforeEach(async () => {
      const all = await client.dump();
      const results = await client.apply(all.map((s) => ({ op: 'deleteService', key: s.key })));
      expect(results.filter((r) => r.error)).toEqual([]);
    });

    const written = async (s: Service): Promise<Service | undefined> => {
      const found = (await client.dump()).find((x) => serviceId(x.key) === serviceId(s.key));
      if (!found) return undefined;
      return {
        key: found.key,
        scheduler: found.scheduler,
        flags: found.flags,
        timeoutMs: found.timeoutMs,
        netmask: found.netmask,
        peName: found.peName,
      };
    };
    const ok = async (ops: Op[]): Promise<void> => {
      const results = await client.apply(ops);
      expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(ops.map(() => 'ok'));
    };

    it('GET_INFO reports IPVS 1.2.1', async () => {
      expect((await client.info()).version).toBe(K.IP_VS_VERSION_CODE);
    });

    it.each(serviceCases)('writes and reads back a service: $name', async ({ service }) => {
      await ok([{ op: 'addService', service }]);
      expect(await written(service)).toEqual(service);
    });

    it('writes every forwarding method, tunnel type and threshold, and reads them back', async () => {
      const svc = service({ key: tcp('192.0.2.10', 80) });
      const dests = destCases(svc.key);
      await ok([
        { op: 'addService', service: svc },
        ...dests.map((d): Op => ({ op: 'addDestination', service: svc.key, destination: d })),
      ]);
      const [found] = await client.dump();
      const strip = (d: Destination): Destination => ({
        key: d.key,
        forwarding: d.forwarding,
        weight: d.weight,
        upperThreshold: d.upperThreshold,
        lowerThreshold: d.lowerThreshold,
        tunnelType: d.tunnelType,
        tunnelPort: d.tunnelPort,
        tunnelFlags: d.tunnelFlags,
      });
      expect(found?.destinations.map(strip).sort(byAddress)).toEqual([...dests].sort(byAddress));
      expect(found?.destinations.every((d) => d.activeConns === 0 && d.stats.conns === 0n)).toBe(true);
    });

    it('lists destinations newest first, as the kernel does', async () => {
      const svc = service({ key: tcp('192.0.2.11', 80) });
      await ok([
        { op: 'addService', service: svc },
        { op: 'addDestination', service: svc.key, destination: dest('10.1.0.1') },
        { op: 'addDestination', service: svc.key, destination: dest('10.1.0.2') },
      ]);
      expect((await client.dump())[0]?.destinations.map((d) => d.key.address)).toEqual(['10.1.0.2', '10.1.0.1']);
    });

    it('updates a destination in place', async () => {
      const svc = service({ key: tcp('192.0.2.12', 80) });
      await ok([
        { op: 'addService', service: svc },
        { op: 'addDestination', service: svc.key, destination: dest('10.1.0.1') },
      ]);
      await ok([{ op: 'updateDestination', service: svc.key, destination: dest('10.1.0.1', { weight: 7 }) }]);
      expect((await client.dump())[0]?.destinations.map((d) => d.weight)).toEqual([7]);
    });

    it('is idempotent: add twice, delete what is gone, update what is missing', async () => {
      const svc = service({ key: tcp('192.0.2.13', 80) });
      const d = dest('10.1.0.1');
      await ok([
        { op: 'addService', service: svc },
        { op: 'addService', service: { ...svc, scheduler: 'wrr' } },
        { op: 'addDestination', service: svc.key, destination: d },
        { op: 'addDestination', service: svc.key, destination: { ...d, weight: 3 } },
        { op: 'deleteDestination', service: svc.key, key: dest('10.9.9.9').key },
        { op: 'updateDestination', service: svc.key, destination: dest('10.1.0.2') },
        { op: 'deleteService', key: tcp('192.0.2.99', 1) },
      ]);
      const [found] = await client.dump();
      expect(found?.scheduler).toBe('wrr');
      expect(found?.destinations.map((x) => [x.key.address, x.weight]).sort()).toEqual([
        ['10.1.0.1', 3],
        ['10.1.0.2', 1],
      ]);
    });

    it('an exclusive add of a service that exists fails with EEXIST and changes nothing', async () => {
      const svc = service({ key: tcp('192.0.2.16', 80) });
      await ok([{ op: 'addService', service: svc }]);
      const results = await client.apply([
        { op: 'addService', service: { ...svc, scheduler: 'wrr' }, exclusive: true },
      ]);
      expect(results[0]?.error).toMatchObject({ op: 'addService', errnoName: 'EEXIST' });
      expect(
        (await client.dump()).find((s) => s.key.kind === 'addr' && s.key.address === '192.0.2.16')?.scheduler,
      ).toBe(svc.scheduler);
    });

    it('refuses a destination without its service, and applies the rest of the batch', async () => {
      const svc = service({ key: tcp('192.0.2.14', 80) });
      const results = await client.apply([
        { op: 'addDestination', service: tcp('192.0.2.15', 80), destination: dest('10.1.0.1') },
        { op: 'addService', service: svc },
        { op: 'addDestination', service: svc.key, destination: dest('10.1.0.1') },
      ]);
      expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['LVS_IPVS_NOT_FOUND', 'ok', 'ok']);
      expect(results[0]?.error).toMatchObject({
        op: 'addDestination',
        errno: constants.errno.ESRCH,
        errnoName: 'ESRCH',
      });
      expect((await client.dump()).map((s) => s.destinations.length)).toEqual([1]);
    });

    it('refuses an unknown scheduler with ENOENT', async () => {
      const results = await client.apply([
        { op: 'addService', service: service({ key: tcp('192.0.2.16', 80), scheduler: 'nope' }) },
      ]);
      expect(results[0]?.error).toMatchObject({
        code: 'LVS_IPVS_NOT_FOUND',
        errno: constants.errno.ENOENT,
        op: 'addService',
      });
    });

    it('refuses a lower threshold above the upper one with ERANGE', async () => {
      const svc = service({ key: tcp('192.0.2.17', 80) });
      const results = await client.apply([
        { op: 'addService', service: svc },
        {
          op: 'addDestination',
          service: svc.key,
          destination: dest('10.1.0.1', { upperThreshold: 5, lowerThreshold: 10 }),
        },
      ]);
      expect(results[1]?.error).toMatchObject({ errno: constants.errno.ERANGE });
    });

    it('refuses a mixed-family destination unless it is tunnelled', async () => {
      const svc = service({ key: tcp('2001:db8::20', 80) });
      const v4 = dest('10.1.0.1');
      const results = await client.apply([
        { op: 'addService', service: svc },
        { op: 'addDestination', service: svc.key, destination: { ...v4, forwarding: 'masq' } },
        { op: 'addDestination', service: svc.key, destination: { ...v4, forwarding: 'tunnel' } },
      ]);
      expect(results.map((r) => (r.error && 'errno' in r.error ? r.error.errno : 0))).toEqual([
        0,
        constants.errno.EINVAL,
        0,
      ]);
    });

    it('deleting a service removes its destinations', async () => {
      const svc = service({ key: tcp('192.0.2.18', 80) });
      await ok([
        { op: 'addService', service: svc },
        { op: 'addDestination', service: svc.key, destination: dest('10.1.0.1') },
        { op: 'deleteService', key: svc.key },
        { op: 'addService', service: svc },
      ]);
      expect((await client.dump())[0]?.destinations).toEqual([]);
    });

    it('applies thousands of ops in one call (several batches)', async () => {
      const ops: Op[] = [];
      for (let i = 0; i < 300; i++) {
        const svc = service({ key: tcp(`198.18.${i >> 8}.${i & 255}`, 80) });
        ops.push({ op: 'addService', service: svc });
        for (let j = 1; j <= 5; j++)
          ops.push({ op: 'addDestination', service: svc.key, destination: dest(`10.2.${i & 255}.${j}`) });
      }
      await ok(ops);
      const table = await client.dump();
      expect(table.length).toBe(300);
      expect(table.reduce((n, s) => n + s.destinations.length, 0)).toBe(1500);
    });

    it('sets and reads connection timeouts', async () => {
      const before = await client.getTimeouts();
      await client.setTimeouts({ tcpMs: 901_000, tcpFinMs: 0, udpMs: 301_000 });
      expect(await client.getTimeouts()).toEqual({ tcpMs: 901_000, tcpFinMs: before.tcpFinMs, udpMs: 301_000 });
      await client.setTimeouts(before);
    });

    it('zeroes counters of everything and of one service; a missing service is ESRCH', async () => {
      const svc = service({ key: tcp('192.0.2.19', 80) });
      await ok([{ op: 'addService', service: svc }]);
      await client.zero({ all: true });
      await client.zero({ all: false, service: svc.key });
      await expect(client.zero({ all: false, service: tcp('192.0.2.99', 9) })).rejects.toMatchObject({
        code: 'LVS_IPVS_NOT_FOUND',
        op: 'zero',
      });
    });

    it('starts, lists and stops a sync daemon', async () => {
      await client.startDaemon({
        state: 'master',
        mcastInterface: 'lo',
        syncId: 9,
        syncMaxLen: 0,
        mcastGroup: '',
        mcastPort: 0,
        mcastTtl: 0,
      });
      await hooks.afterDaemonStart?.();
      const daemons = await client.daemons();
      expect(daemons).toHaveLength(1);
      expect(daemons[0]).toMatchObject({ state: 'master', mcastInterface: 'lo', syncId: 9 });
      await expect(
        client.startDaemon({
          state: 'master',
          mcastInterface: 'lo',
          syncId: 9,
          syncMaxLen: 0,
          mcastGroup: '',
          mcastPort: 0,
          mcastTtl: 0,
        }),
      ).rejects.toMatchObject({ code: 'LVS_IPVS_EXISTS' });
      await client.stopDaemon('master');
      expect(await client.daemons()).toEqual([]);
    });
  });
}

const byAddress = (a: Destination, b: Destination): number =>
  a.key.address < b.key.address ? -1 : a.key.address > b.key.address ? 1 : 0;

function tcp(address: string, port: number): ServiceKey {
  return { kind: 'addr', af: address.includes(':') ? 'inet6' : 'inet', protocol: 'tcp', address, port };
}

function service(over: Partial<Service> & Pick<Service, 'key'>): Service {
  return {
    scheduler: 'rr',
    flags: 0,
    timeoutMs: 0,
    netmask: over.key.af === 'inet6' ? 128 : 0xffffffff,
    peName: '',
    ...over,
  };
}

function dest(address: string, over: Partial<Destination> = {}): Destination {
  return {
    key: { af: address.includes(':') ? 'inet6' : 'inet', address, port: 80 },
    forwarding: 'droute',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelFlags: 0,
    ...over,
  };
}

const serviceCases: { name: string; service: Service }[] = [
  ...['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'].map((s, i) => ({
    name: `scheduler ${s}`,
    service: service({ key: tcp(`192.0.2.${100 + i}`, 80), scheduler: s }),
  })),
  {
    name: 'persistence with netmask',
    service: service({
      key: { kind: 'addr', af: 'inet', protocol: 'udp', address: '192.0.2.1', port: 53 },
      scheduler: 'wlc',
      flags: K.IP_VS_SVC_F_PERSISTENT,
      timeoutMs: 300_000,
      netmask: 0xffffff00,
    }),
  },
  {
    name: 'fwmark with sh flags',
    service: service({
      key: { kind: 'fwmark', af: 'inet', fwmark: 7 },
      scheduler: 'sh',
      flags: K.IP_VS_SVC_F_SCHED_SH_FALLBACK | K.IP_VS_SVC_F_SCHED_SH_PORT,
    }),
  },
  { name: 'IPv6 fwmark', service: service({ key: { kind: 'fwmark', af: 'inet6', fwmark: 8 }, scheduler: 'wrr' }) },
  {
    name: 'IPv6 one-packet UDP with mh',
    service: service({
      key: { kind: 'addr', af: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 443 },
      scheduler: 'mh',
      flags: K.IP_VS_SVC_F_ONEPACKET | K.IP_VS_SVC_F_SCHED_MH_PORT,
    }),
  },
  {
    name: 'IPv6 persistence with prefix length',
    service: service({
      key: { kind: 'addr', af: 'inet6', protocol: 'tcp', address: '2001:db8::2', port: 80 },
      flags: K.IP_VS_SVC_F_PERSISTENT,
      timeoutMs: 60_000,
      netmask: 64,
    }),
  },
  {
    name: 'SIP persistence engine',
    service: service({
      key: { kind: 'addr', af: 'inet', protocol: 'udp', address: '192.0.2.2', port: 5060 },
      flags: K.IP_VS_SVC_F_PERSISTENT,
      timeoutMs: 60_000,
      peName: 'sip',
    }),
  },
  {
    name: 'SCTP',
    service: service({ key: { kind: 'addr', af: 'inet', protocol: 'sctp', address: '192.0.2.3', port: 3868 } }),
  },
];

function destCases(svc: ServiceKey): Destination[] {
  void svc;
  return [
    dest('10.0.0.1', {
      key: { af: 'inet', address: '10.0.0.1', port: 8080 },
      forwarding: 'masq',
      weight: 3,
      upperThreshold: 100,
      lowerThreshold: 10,
    }),
    dest('10.0.0.2', { forwarding: 'droute', weight: 0 }),
    dest('10.0.0.3', { forwarding: 'tunnel' }),
    dest('10.0.0.4', {
      forwarding: 'tunnel',
      tunnelType: 'gue',
      tunnelPort: 6080,
      tunnelFlags: K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
    }),
    dest('10.0.0.5', {
      forwarding: 'tunnel',
      tunnelType: 'gue',
      tunnelPort: 6081,
      tunnelFlags: K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
    }),
    dest('10.0.0.6', { forwarding: 'tunnel', tunnelType: 'gre', tunnelFlags: K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM }),
    dest('10.0.0.7', { forwarding: 'local', weight: 65535 }),
  ];
}
