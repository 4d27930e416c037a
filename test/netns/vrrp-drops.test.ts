/**
 * A crafted sender on the segment: wrong password, wrong VRID, TTL 1 and a corrupted checksum
 * are dropped and counted by reason, and the state does not change; the same advert without
 * the flaw does move our master (so the drops are due to the flaws, not to a broken sender).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeAdvert, encodeIpv4 } from '../../src/vrrp/codec.js';
import { NetnsLab, waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import { holders, startKeepalived, startOurs, waitForHolder, type Peer } from './vrrp-peers.js';

const CRAFT = fileURLToPath(new URL('./vrrp-craft-main.ts', import.meta.url));
const NODES = ['a', 'b'];
const VIP = '10.77.2.100';

function metricValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describeAsRoot('crafted VRRP packets against our speaker', () => {
  let lab: NetnsLab;
  let ours: Peer & { metrics(): Promise<string> };
  let ka: Peer;

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vrrp-');
    await lab.addNode('a', { ipv4: '10.77.2.1/24' });
    await lab.addNode('b', { ipv4: '10.77.2.2/24' });
    await lab.addNode('x', { ipv4: '10.77.2.66/24' });
    const common = {
      vrid: 31,
      version: 2 as const,
      advertIntervalMs: 1000,
      preempt: true,
      password: 'secret1',
      vips: [`${VIP}/32`],
    };
    ours = startOurs(lab, 'a', { ...common, priority: 150 });
    ka = startKeepalived(lab, 'b', { ...common, priority: 100 });
  });

  afterAll(async () => {
    await ours?.crash();
    await ka?.crash();
    await lab?.destroy();
  });

  function datagram(o: { password?: string; vrid?: number; ttl?: number; corrupt?: boolean }): string {
    const ph = { family: 4 as const, source: '10.77.2.66', destination: '224.0.0.18' };
    const payload = encodeAdvert(
      {
        version: 2,
        vrid: o.vrid ?? 31,
        priority: 254,
        advertIntervalMs: 1000,
        addresses: [VIP],
        auth: { type: 'pass', password: o.password ?? 'secret1' },
      },
      ph,
    );
    if (o.corrupt) payload[6] = (payload[6] ?? 0) ^ 0x5a;
    const ip = encodeIpv4({ source: ph.source, destination: ph.destination, id: 7, payload });
    ip[8] = o.ttl ?? 255; // the kernel refills the header checksum of IPPROTO_RAW sends
    return `v4:${Buffer.from(ip).toString('hex')}`;
  }

  async function send(...packets: string[]): Promise<void> {
    await lab.exec1('x', [process.execPath, '--import', 'tsx', CRAFT, ...packets]);
  }

  it('drops wrong auth, wrong VRID, TTL 1 and a bad checksum, counts each, keeps the master', async () => {
    await waitForHolder(lab, NODES, VIP, 'a', { timeoutMs: 10_000 });
    const flawed = [
      { reason: 'auth_failure', hex: datagram({ password: 'wrong' }) },
      { reason: 'unknown_vrid', hex: datagram({ vrid: 32 }) },
      { reason: 'bad_ttl', hex: datagram({ ttl: 1 }) },
      { reason: 'bad_checksum', hex: datagram({ corrupt: true }) },
    ];
    for (let i = 0; i < 3; i++) await send(...flawed.map((f) => f.hex));
    const text = await waitFor(
      async () => {
        const t = await ours.metrics();
        return flawed.every((f) => metricValue(t, 'lvs_vrrp_adverts_dropped_total', `reason="${f.reason}"`) >= 3)
          ? t
          : undefined;
      },
      { what: 'drop counters', timeoutMs: 5000 },
    );
    for (const f of flawed) expect(metricValue(text, 'lvs_vrrp_adverts_dropped_total', `reason="${f.reason}"`)).toBe(3);
    expect(metricValue(text, 'lvs_vrrp_transitions_total', 'from="master",to="backup"')).toBe(0);
    expect(await holders(lab, NODES, VIP)).toEqual(['a']);
    expect(metricValue(text, 'lvs_vrrp_state', 'state="master"')).toBe(1);

    // Control: the same advert without a flaw makes our master yield to priority 254.
    await send(datagram({}));
    const after = await waitFor(
      async () => {
        const t = await ours.metrics();
        return metricValue(t, 'lvs_vrrp_transitions_total', 'from="master",to="backup"') === 1 ? t : undefined;
      },
      { what: 'master → backup on a valid advert', timeoutMs: 5000 },
    );
    expect(metricValue(after, 'lvs_vrrp_adverts_received_total', 'vrid="31"')).toBeGreaterThanOrEqual(1);
    // One speaker per node: stop these before the next case starts its own.
    await ours.crash();
    await ka.crash();
  });

  it('IPv6 (VRRPv3): hop limit 1 and a bad checksum are dropped and counted; a valid advert is not', async () => {
    const vip6 = 'fd00:77::100';
    const o = { vrid: 33, version: 3 as const, advertIntervalMs: 100, preempt: true, vips: [`${vip6}/128`] };
    const ours6 = startOurs(lab, 'a', { ...o, priority: 150 });
    const ka6 = startKeepalived(lab, 'b', { ...o, priority: 100 });
    try {
      await waitFor(async () => (await holders(lab, NODES, vip6)).join() === 'a', { what: `${vip6} on a` });
      // x's link-local address from its MAC (EUI-64): the source the kernel will use.
      const mac = lab
        .node('x')
        .mac.split(':')
        .map((h) => parseInt(h, 16));
      const source = `fe80::${((((mac[0] ?? 0) ^ 2) << 8) | (mac[1] ?? 0)).toString(16)}:${(((mac[2] ?? 0) << 8) | 0xff).toString(16)}:fe${(mac[3] ?? 0).toString(16).padStart(2, '0')}:${(((mac[4] ?? 0) << 8) | (mac[5] ?? 0)).toString(16)}`;
      const ph = { family: 6 as const, source, destination: 'ff02::12' };
      const advert = (corrupt = false): string => {
        const p = encodeAdvert({ version: 3, vrid: 33, priority: 254, advertIntervalMs: 100, addresses: [vip6] }, ph);
        if (corrupt) p[6] = (p[6] ?? 0) ^ 0x5a;
        return Buffer.from(p).toString('hex');
      };
      for (let i = 0; i < 3; i++) await send(`v6:1:ff02::12:${advert()}`, `v6:255:ff02::12:${advert(true)}`);
      const text = await waitFor(
        async () => {
          const t = await ours6.metrics();
          return metricValue(t, 'lvs_vrrp_adverts_dropped_total', 'reason="bad_ttl"') >= 3 &&
            metricValue(t, 'lvs_vrrp_adverts_dropped_total', 'reason="bad_checksum"') >= 3
            ? t
            : undefined;
        },
        { what: 'IPv6 drop counters', timeoutMs: 5000 },
      );
      expect(metricValue(text, 'lvs_vrrp_transitions_total', 'from="master",to="backup"')).toBe(0);
      expect(await holders(lab, NODES, vip6)).toEqual(['a']);
      await send(`v6:255:ff02::12:${advert()}`);
      await waitFor(
        async () => metricValue(await ours6.metrics(), 'lvs_vrrp_transitions_total', 'from="master",to="backup"') === 1,
        { what: 'master → backup on a valid IPv6 advert', timeoutMs: 5000 },
      );
    } finally {
      await ours6.crash();
      await ka6.crash();
    }
  });
});
