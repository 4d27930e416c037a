/**
 * Issue item 7: a director stays bounded under a hostile network. 1,000,000 VRRPv3 packets,
 * each from a new spoofed source and each with a flaw (unknown VRID, foreign address list at
 * priority 254, bad checksum, TTL 1), flood the segment of a master and a backup (both ours)
 * while the master keeps advertising. Asserts: the backup's RSS grows by at most 10 MiB, every
 * packet the speaker read is counted by reason, the master stays master and the backup never
 * takes over (its Master_Down timer is reset by the real master's adverts throughout).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import { holders, startOurs, waitForHolder, type Peer } from './vrrp-peers.js';

const FLOOD = fileURLToPath(new URL('./vrrp-flood-main.ts', import.meta.url));
const NODES = ['a', 'b'];
const VIP = '10.77.4.100';
const VRID = 41;
const VIP6 = 'fd00:77:4::100';
const VRID6 = 42;
/** Unpaced IPv6 packets: as fast as one AF_PACKET sender goes, past what a speaker can read. */
const PACKETS6 = 300_000;
/** Valid adverts a master answers at once (priority 0 and 50), paced at RATE. */
const ANSWERED = 100_000;
const PACKETS = 1_000_000;
/** Paced so that a 2-CPU machine runs sender and two speakers; the whole flood takes ~40 s. */
const RATE = Number(process.env['LVS_FLOOD_RATE'] ?? 25_000);
const WARMUP = 50_000;
const RSS_BOUND_MIB = 10;
const REASONS = ['unknown_vrid', 'address_list_mismatch', 'bad_checksum', 'bad_ttl'];

type Ours = Peer & { metrics(): Promise<string> };

/** Sum of the samples of `name` whose labels include every one of `labels`. */
function metricValue(text: string, name: string, ...labels: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)))
    .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
}

function rssMiB(p: Peer): number {
  const status = readFileSync(`/proc/${p.process.pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

/** How much the samples `metricValue` selects moved from `before` to `after`. */
function moved(before: string, after: string, name: string, ...labels: string[]): number {
  return metricValue(after, name, ...labels) - metricValue(before, name, ...labels);
}

/** Datagrams the kernel dropped on the full receive buffers of a node's IPv4 VRRP sockets. */
async function socketDrops(lab: NetnsLab, node: string): Promise<number> {
  // /proc/net/raw: the local "port" is the protocol (0070 = 112); the last column is drops.
  const text = await lab.exec1(node, ['cat', '/proc/net/raw']);
  return text
    .split('\n')
    .filter((l) => /^\s*\d+: [0-9A-F]{8}:0070 /.test(l))
    .reduce((s, l) => s + Number(l.trim().split(/\s+/).at(-1)), 0);
}

describeAsRoot('a flood of spoofed VRRP packets', () => {
  let lab: NetnsLab;
  let master: Ours;
  let backup: Ours;

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-flood-');
    await lab.addNode('a', { ipv4: '10.77.4.1/24' });
    await lab.addNode('b', { ipv4: '10.77.4.2/24' });
    await lab.addNode('x', { ipv4: '10.77.4.66/24' });
    const common = { vrid: VRID, version: 3 as const, advertIntervalMs: 1000, preempt: true, vips: [`${VIP}/32`] };
    const common6 = { ...common, vrid: VRID6, vips: [`${VIP6}/128`] };
    master = startOurs(lab, 'a', [
      { ...common, priority: 150 },
      { ...common6, priority: 150 },
    ]);
    backup = startOurs(lab, 'b', [
      { ...common, priority: 100 },
      { ...common6, priority: 100 },
    ]);
  });

  afterAll(async () => {
    await master?.crash();
    await backup?.crash();
    await lab?.destroy();
  });

  async function flood(
    count: number,
    vrid = VRID,
    vip = VIP,
    rate = RATE,
    mix: 'flawed' | 'answered' = 'flawed',
  ): Promise<{ sent: number; elapsedMs: number }> {
    const argv = [process.execPath, '--import', 'tsx', FLOOD, String(count), String(vrid), vip, String(rate), mix];
    const r = await lab.exec('x', argv, { timeoutMs: 90_000 });
    if (r.code !== 0) throw new Error(`flood sender failed (${r.code}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { sent: number; elapsedMs: number };
  }

  it(`1,000,000 packets: RSS within +${RSS_BOUND_MIB} MiB, every read packet counted, no takeover`, async () => {
    await waitForHolder(lab, NODES, VIP, 'a', { timeoutMs: 15_000 });
    await waitForHolder(lab, NODES, VIP6, 'a', { timeoutMs: 15_000 });
    const idle = { master: rssMiB(master), backup: rssMiB(backup) };
    // The warm-up lets V8 size its young generation for this packet rate (a fixed cost, not
    // growth with the number of packets); the bound is on what the million adds after it.
    await flood(WARMUP);
    const before = { master: rssMiB(master), backup: rssMiB(backup) };
    const m0 = await backup.metrics();
    const mm0 = await master.metrics();
    const received0 = metricValue(m0, 'lvs_vrrp_adverts_received_total', `vrid="${VRID}"`);
    const kernel0 = await socketDrops(lab, 'b');
    const dropped0 = REASONS.reduce(
      (s, r) => s + metricValue(m0, 'lvs_vrrp_adverts_dropped_total', `reason="${r}"`),
      0,
    );

    const run = await flood(PACKETS);
    const m1 = await backup.metrics();
    const kernel = (await socketDrops(lab, 'b')) - kernel0;
    const mm = await master.metrics();
    const after = { master: rssMiB(master), backup: rssMiB(backup) };
    const received = metricValue(m1, 'lvs_vrrp_adverts_received_total', `vrid="${VRID}"`) - received0;
    const dropped =
      REASONS.reduce((s, r) => s + metricValue(m1, 'lvs_vrrp_adverts_dropped_total', `reason="${r}"`), 0) - dropped0;
    console.log(
      `vrrp flood: ${run.sent} packets in ${run.elapsedMs} ms; backup counted ${dropped} drops (its ` +
        `socket buffer overflowed on ${kernel} more) and ` +
        `${received} adverts of the master; RSS MiB idle/before/after: backup ` +
        `${idle.backup}/${before.backup}/${after.backup}, master ${idle.master}/${before.master}/${after.master}`,
    );

    expect(run.sent).toBe(PACKETS);
    expect(run.elapsedMs).toBeLessThan(60_000);
    expect(after.backup - before.backup).toBeLessThanOrEqual(RSS_BOUND_MIB);
    expect(after.master - before.master).toBeLessThanOrEqual(RSS_BOUND_MIB);
    // Every packet either overflowed the socket buffer (the kernel's count, which may include a
    // few of the master's adverts) or was read and counted by reason: none vanished unread.
    expect(dropped + kernel).toBeGreaterThanOrEqual(PACKETS);
    expect(dropped + kernel).toBeLessThanOrEqual(PACKETS + received + Math.ceil(run.elapsedMs / 1000) + 5);
    expect(dropped).toBeGreaterThanOrEqual(PACKETS / 2);
    // The master's adverts kept arriving: about one a second (some share the flood's fate on a
    // full socket buffer; a takeover needs three lost in a row), and no takeover.
    expect(received).toBeGreaterThanOrEqual(Math.floor((run.elapsedMs / 1000) * 0.75));
    // Transitions are counted from before the flood: the start-up election is not the flood's.
    expect(moved(m0, m1, 'lvs_vrrp_transitions_total', 'to="master"')).toBe(0);
    expect(moved(mm0, mm, 'lvs_vrrp_transitions_total', 'from="master"')).toBe(0);
    expect(metricValue(m1, 'lvs_vrrp_state', `vrid="${VRID}"`, 'state="backup"')).toBe(1);
    expect(await holders(lab, NODES, VIP)).toEqual(['a']);
    // The drop log stayed within its budget: 5 lines per (reason, peer kind) and minute.
    const dropLines = backup.log.filter((l) => l.includes('"advert dropped"')).length;
    expect(dropLines).toBeLessThanOrEqual(REASONS.length * 5 * 2);
  });

  it('IPv6 at line rate: the event loop still runs the timers (adverts sent, Master_Down reset)', async () => {
    await waitForHolder(lab, NODES, VIP6, 'a', { timeoutMs: 15_000 });
    const m0 = await backup.metrics();
    const mm0 = await master.metrics();
    const v = `vrid="${VRID6}"`;
    const run = await flood(PACKETS6, VRID6, VIP6, 0);
    const m1 = await backup.metrics();
    const mm1 = await master.metrics();
    const received =
      metricValue(m1, 'lvs_vrrp_adverts_received_total', v) - metricValue(m0, 'lvs_vrrp_adverts_received_total', v);
    const sent =
      metricValue(mm1, 'lvs_vrrp_adverts_sent_total', v) - metricValue(mm0, 'lvs_vrrp_adverts_sent_total', v);
    const dropped = (t: string) =>
      REASONS.reduce((s, r) => s + metricValue(t, 'lvs_vrrp_adverts_dropped_total', `reason="${r}"`), 0);
    console.log(
      `vrrp IPv6 flood: ${run.sent} packets in ${run.elapsedMs} ms; master sent ${sent} adverts, backup received ` +
        `${received} and counted ${dropped(m1) - dropped(m0)} drops`,
    );
    expect(run.sent).toBe(PACKETS6);
    const seconds = Math.floor(run.elapsedMs / 1000);
    expect(sent).toBeGreaterThanOrEqual(Math.floor(seconds * 0.9));
    expect(received).toBeGreaterThanOrEqual(Math.floor(seconds * 0.75));
    expect(moved(m0, m1, 'lvs_vrrp_transitions_total', v, 'to="master"')).toBe(0);
    expect(moved(mm0, mm1, 'lvs_vrrp_transitions_total', v, 'from="master"')).toBe(0);
    expect(await holders(lab, NODES, VIP6)).toEqual(['a']);
  });

  it('valid priority 0 and lower priority adverts from strangers: the master answers within its budget', async () => {
    await waitForHolder(lab, NODES, VIP, 'a', { timeoutMs: 15_000 });
    const m0 = await backup.metrics();
    const mm0 = await master.metrics();
    const v = `vrid="${VRID}"`;
    const run = await flood(ANSWERED, VRID, VIP, RATE, 'answered');
    const m1 = await backup.metrics();
    const mm1 = await master.metrics();
    const sent = moved(mm0, mm1, 'lvs_vrrp_adverts_sent_total', v);
    const accepted = moved(mm0, mm1, 'lvs_vrrp_adverts_received_total', v);
    console.log(
      `vrrp answered flood: ${run.sent} packets in ${run.elapsedMs} ms; master accepted ${accepted} and sent ${sent} adverts`,
    );
    // At most one answer per tenth of the 1 s interval, plus the periodic adverts.
    const intervals = Math.ceil(run.elapsedMs / 1000) + 2;
    expect(accepted).toBeGreaterThan(ANSWERED / 2);
    expect(sent).toBeLessThanOrEqual(intervals * 11);
    // Priority 0 arms the backup's Master_Down timer to Skew_Time; the master's answers (one
    // per 100 ms, well inside the 0.61 s) keep resetting it: no takeover.
    expect(moved(m0, m1, 'lvs_vrrp_transitions_total', v, 'to="master"')).toBe(0);
    expect(moved(mm0, mm1, 'lvs_vrrp_transitions_total', v, 'from="master"')).toBe(0);
    expect(await holders(lab, NODES, VIP)).toEqual(['a']);
  });
});
