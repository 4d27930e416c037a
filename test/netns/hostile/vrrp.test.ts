/**
 * Hostile VRRP packets crafted by scapy (PyPI, pinned in hack/bootstrap.sh) against a running
 * speaker that is master of four instances: v2 with PASS auth, v3, v3 unicast, v3 over IPv6.
 * Most cases mutate the real keepalived 2.2.7 frames (test/fixtures/vrrp). For each case the
 * exact change of every drop counter (by reason) and of every received-adverts counter is
 * asserted, nothing else moved, every instance is still master and the speaker still runs.
 * Frames the kernel itself discards (a lone fragment, a bad IP header checksum, our own address
 * as the source) are followed
 * by a marker (unknown VRID) so that the case waits on an observable effect, not on time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab, waitFor } from '../../support/netns.js';
import { describeAsRoot } from '../../support/privileges.js';
import { holders, startOurs } from '../vrrp-peers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = `${root}.cache/scapy-venv/bin/python`;
const SCRIPT = fileURLToPath(new URL('./vrrp-scapy.py', import.meta.url));
const VECTORS = `${root}test/fixtures/vrrp/keepalived-2.2.7/VECTORS.txt`;

/** Counter changes one case must cause: `d:<reason>` drops, `r:<vrid>` accepted adverts. */
type Delta = Readonly<Record<string, number>>;

interface Case {
  readonly name: string;
  readonly expected: Delta;
}

const CASES: readonly Case[] = [
  { name: 'v2-keepalived-frame-lower-priority', expected: { 'r:51': 1 } },
  { name: 'v2-version-nibble-4', expected: { 'd:bad_version': 1 } },
  { name: 'v2-version-3-header-on-v2-instance', expected: { 'd:bad_address_count': 1 } },
  { name: 'v2-type-2-not-advert', expected: { 'd:bad_type': 1 } },
  { name: 'v2-ttl-254', expected: { 'd:bad_ttl': 1 } },
  { name: 'v2-bad-checksum', expected: { 'd:bad_checksum': 1 } },
  { name: 'v2-truncated-auth', expected: { 'd:bad_length': 1 } },
  { name: 'v2-truncated-below-header', expected: { 'd:short_packet': 1 } },
  { name: 'v2-unknown-vrid', expected: { 'd:unknown_vrid': 1 } },
  { name: 'v2-auth-type-none', expected: { 'd:auth_type_mismatch': 1 } },
  { name: 'v2-auth-type-ah', expected: { 'd:auth_type_mismatch': 1 } },
  { name: 'v2-wrong-password', expected: { 'd:auth_failure': 1 } },
  { name: 'v2-interval-2s', expected: { 'd:interval_mismatch': 1 } },
  { name: 'v2-address-count-lies-2-for-1', expected: { 'd:bad_address_count': 1 } },
  { name: 'v2-address-count-zero', expected: { 'd:bad_address_count': 1 } },
  { name: 'v2-foreign-address-list', expected: { 'd:address_list_mismatch': 1 } },
  { name: 'v2-oversized-1401-bytes', expected: { 'd:bad_length': 1 } },
  { name: 'v2-ip-options-router-alert', expected: { 'r:51': 1 } },
  { name: 'v2-ethernet-trailer-past-total-length', expected: { 'r:51': 1 } },
  { name: 'v2-two-fragments-reassembled', expected: { 'r:51': 1 } },
  { name: 'v2-lone-first-fragment', expected: { 'd:unknown_vrid': 1 } },
  { name: 'v2-bad-ip-header-checksum', expected: { 'd:unknown_vrid': 1 } },
  { name: 'v2-priority-0-from-unknown-sender', expected: { 'r:51': 1 } },
  { name: 'v2-spoofed-own-source', expected: { 'd:unknown_vrid': 1 } },
  { name: 'v2-unicast-to-multicast-instance', expected: { 'd:unicast_mismatch': 1 } },
  { name: 'v3-keepalived-frame-lower-priority', expected: { 'r:52': 1 } },
  { name: 'v3-bad-checksum', expected: { 'd:bad_checksum': 1 } },
  { name: 'v3-source-changed-checksum-kept', expected: { 'd:bad_checksum': 1 } },
  { name: 'v3-ttl-1', expected: { 'd:bad_ttl': 1 } },
  { name: 'v3-v2-header-on-v3-instance', expected: { 'd:bad_length': 1 } },
  { name: 'v3-address-count-lies-3-for-1', expected: { 'd:bad_address_count': 1 } },
  { name: 'v3-interval-200cs-learnt-not-dropped', expected: { 'r:52': 1 } },
  { name: 'unicast-keepalived-frame-from-peer', expected: { 'r:61': 1 } },
  { name: 'unicast-from-unknown-peer', expected: { 'd:unknown_peer': 1 } },
  { name: 'unicast-priority-0-from-unknown-peer', expected: { 'd:unknown_peer': 1 } },
  { name: 'unicast-priority-255-from-non-owner', expected: { 'd:unknown_peer': 1 } },
  { name: 'unicast-instance-gets-multicast', expected: { 'd:unicast_mismatch': 1 } },
  { name: 'unicast-ttl-1-from-peer-accepted', expected: { 'r:61': 1 } },
  { name: 'v6-valid-lower-priority', expected: { 'r:63': 1 } },
  { name: 'v6-hop-limit-1', expected: { 'd:bad_ttl': 1 } },
  { name: 'v6-bad-checksum', expected: { 'd:bad_checksum': 1 } },
  { name: 'v6-version-2', expected: { 'd:bad_version': 1 } },
  { name: 'v6-address-count-lies-2-for-1', expected: { 'd:bad_address_count': 1 } },
];

const VRIDS = [51, 52, 61, 63];
const VIPS = ['10.77.0.100', '10.77.0.101', '10.77.0.170', 'fd00:77::100'];

/** The counters a case may move, from the speaker's exposition text. */
function counters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const drop = /^lvs_vrrp_adverts_dropped_total\{reason="(\w+)"\} (\d+)/.exec(line);
    if (drop?.[1]) out.set(`d:${drop[1]}`, Number(drop[2]));
    const recv = /^lvs_vrrp_adverts_received_total\{vrid="(\d+)"\} (\d+)/.exec(line);
    if (recv?.[1]) out.set(`r:${recv[1]}`, Number(recv[2]));
  }
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const d = (after.get(key) ?? 0) - (before.get(key) ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

function masters(text: string): number {
  return text.split('\n').filter((l) => l.startsWith('lvs_vrrp_state{') && l.includes('state="master"} 1')).length;
}

function transitions(text: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith('lvs_vrrp_transitions_total{'))
    .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
}

/** The scapy sender: one case name in, "sent <name>" out. */
class Scapy {
  private readonly answers: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.answers.push(line);
    });
  }

  async send(name: string): Promise<void> {
    this.child.stdin.write(`${name}\n`);
    const line = this.answers.shift() ?? (await new Promise<string>((r) => this.waiting.push(r)));
    if (line !== `sent ${name}`) throw new Error(`scapy: ${line}`);
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}

describeAsRoot('hostile VRRP packets crafted by scapy', () => {
  let lab: NetnsLab;
  let ours: ReturnType<typeof startOurs>;
  let scapy: Scapy;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run hack/bootstrap.sh (as root, with python3)`);
    lab = await NetnsLab.create('lvs-hostile-');
    const a = await lab.addNode('a', { ipv4: '10.77.0.1/24' });
    const x = await lab.addNode('x', { ipv4: '10.77.0.66/24' });
    const common = { priority: 200, advertIntervalMs: 1000, preempt: true };
    ours = startOurs(lab, 'a', [
      { ...common, vrid: 51, version: 2, password: 'secret1', vips: ['10.77.0.100/32'] },
      { ...common, vrid: 52, version: 3, vips: ['10.77.0.101/32'] },
      { ...common, vrid: 61, version: 3, vips: ['10.77.0.170/32'], unicastPeers: ['10.77.0.4'] },
      { ...common, vrid: 63, version: 3, vips: ['fd00:77::100/128'] },
    ]);
    const child = spawn('ip', ['netns', 'exec', x.netns, PYTHON, SCRIPT, VECTORS, a.mac], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const errors: string[] = [];
    child.stderr.on('data', (b: Buffer) => errors.push(b.toString()));
    scapy = new Scapy(child);
    try {
      // The VIPs first: SIGUSR2 (the metrics dump) before the speaker's handler would kill it.
      await waitFor(async () => (await lab.addresses('a')).length >= 1 + VIPS.length || undefined, {
        what: 'every VIP on a',
        timeoutMs: 15_000,
      });
      await waitFor(async () => masters(await ours.metrics()) === VRIDS.length, {
        what: 'every instance master',
        timeoutMs: 15_000,
      });
    } catch (err) {
      throw new Error(`speaker not ready; its log:\n${ours.log.slice(-20).join('\n')}`, { cause: err });
    }
  });

  afterAll(async () => {
    scapy?.close();
    await ours?.crash();
    await lab?.destroy();
  });

  it.each(CASES)('$name', async ({ name, expected }) => {
    const text0 = await ours.metrics();
    const before = counters(text0);
    await scapy.send(name);
    const want = Object.values(expected).reduce((s, n) => s + n, 0);
    const text1 = await waitFor(
      async () => {
        const t = await ours.metrics();
        const moved = Object.values(delta(before, counters(t))).reduce((s, n) => s + n, 0);
        // Masters send; a case moves nothing but its own counters, so wait for `want` of them.
        return moved >= want ? t : undefined;
      },
      { what: `counters after ${name}`, timeoutMs: 5000, intervalMs: 20 },
    );
    expect(delta(before, counters(text1))).toEqual(expected);
    expect(masters(text1)).toBe(VRIDS.length);
    expect(transitions(text1)).toBe(transitions(text0));
    expect(ours.process.exitCode).toBeNull();
  });

  it('covers at least 25 cases and leaves every VIP on the speaker', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    for (const vip of VIPS) {
      expect(await holders(lab, ['a'], vip)).toEqual(['a']);
    }
  });
});
