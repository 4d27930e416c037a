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
    return Buffer.from(ip).toString('hex');
  }

  async function send(...hex: string[]): Promise<void> {
    await lab.exec1('x', [process.execPath, '--import', 'tsx', CRAFT, ...hex]);
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
  });
});
