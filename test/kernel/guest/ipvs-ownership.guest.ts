import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { IpvsClient } from '../../../src/ipvs/client.js';
import { createNetlinkClient } from '../../../src/ipvs/netlink-client.js';
import { DirectoryOwnershipStore } from '../../../src/ipvs/ownership-dir.js';
import { IpvsReconciler } from '../../../src/ipvs/reconciler.js';
import type { DesiredService } from '../../../src/ipvs/types.js';
import { ipvsadm, loadIpvsModules, sh } from './kernel-shell.js';

const svc = (address: string, port: number, scheduler: string, dests: string[]): DesiredService => ({
  key: { kind: 'addr', af: 'inet', protocol: 'tcp', address, port },
  scheduler,
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  destinations: dests.map((a) => ({
    key: { af: 'inet', address: a, port },
    forwarding: 'masq',
    weight: 3,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelFlags: 0,
  })),
});

/** The lines of `ipvsadm -Ln` from a service's line to the next service's. */
function section(list: string, service: string): string {
  const lines = list.split('\n');
  const start = lines.findIndex((l) => l.startsWith(service));
  if (start === -1) return '';
  const end = lines.findIndex((l, i) => i > start && /^(TCP|UDP|SCTP|FWM)/.test(l));
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

const reconciler = (client: IpvsClient, dir: string) =>
  new IpvsReconciler({
    client,
    log: silentLogger(),
    clock: systemClock,
    ownership: new DirectoryOwnershipStore({ dir }),
    drain: { drainMs: 0, deleteWhenIdle: true, udpImmediate: true },
  });

describe('IPVS ownership against the kernel (ipvsadm as the oracle)', () => {
  let client: IpvsClient;
  let dir: string;
  beforeAll(async () => {
    loadIpvsModules();
    client = await createNetlinkClient({ log: silentLogger() });
    dir = mkdtempSync(join(tmpdir(), 'lvs-ipvs-ownership-'));
  });
  afterAll(() => {
    client.close();
    ipvsadm('-C');
    rmSync(dir, { recursive: true, force: true });
  });

  it("kube-proxy's 10.96.0.1:443 survives a conflicting VirtualServer, and its removal", async () => {
    ipvsadm('-C');
    // The service as kube-proxy makes it: rr, two endpoints, masquerading.
    ipvsadm('-A', '-t', '10.96.0.1:443', '-s', 'rr');
    ipvsadm('-a', '-t', '10.96.0.1:443', '-r', '172.18.0.2:6443', '-m', '-w', '1');
    ipvsadm('-a', '-t', '10.96.0.1:443', '-r', '172.18.0.3:6443', '-m', '-w', '1');
    const foreign = section(ipvsadm('-Ln'), 'TCP  10.96.0.1:443');
    expect(foreign).toContain('172.18.0.3:6443');

    const r = reconciler(client, join(dir, 'rec'));
    const report = await r.setDesired([
      svc('10.96.0.1', 443, 'wlc', ['10.0.0.9']),
      svc('192.0.2.10', 80, 'wlc', ['10.0.0.1', '10.0.0.2']),
    ]);
    expect(report.failed).toEqual([]);
    const list = ipvsadm('-Ln');
    expect(section(list, 'TCP  10.96.0.1:443')).toBe(foreign);
    expect(section(list, 'TCP  192.0.2.10:80')).toContain('10.0.0.2:80');
    expect(r.conflicts().map((c) => c.reason)).toEqual(['foreign']);
    expect(readdirSync(join(dir, 'rec'))).toEqual(['tcp-192.0.2.10-80.json']);

    // The VirtualServer is removed: ours goes, theirs stays exactly as it was.
    await r.setDesired([]);
    const after = ipvsadm('-Ln');
    expect(section(after, 'TCP  10.96.0.1:443')).toBe(foreign);
    expect(after).not.toContain('192.0.2.10:80');
    expect(readdirSync(join(dir, 'rec'))).toEqual([]);
  });

  it('a read-only state directory: services are still programmed, the fault reported, the record written once writable', async () => {
    ipvsadm('-C');
    const state = join(dir, 'ro');
    mkdirSync(state);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', state]);
    try {
      sh('mount', ['-o', 'remount,ro', state]);
      const r = reconciler(client, join(state, 'rec'));
      const report = await r.setDesired([svc('192.0.2.20', 80, 'rr', ['10.0.0.1'])]);
      expect(report.failed).toEqual([]);
      expect(section(ipvsadm('-Ln'), 'TCP  192.0.2.20:80')).toContain('10.0.0.1:80');
      expect(r.recordFault()?.errnoName).toBe('EROFS');

      sh('mount', ['-o', 'remount,rw', state]);
      await r.sync();
      expect(r.recordFault()).toBeUndefined();
      expect(readdirSync(join(state, 'rec'))).toEqual(['tcp-192.0.2.20-80.json']);
      // Recorded now: a restart takes it for ours and removes it when it is no longer desired.
      await reconciler(client, join(state, 'rec')).setDesired([]);
      expect(ipvsadm('-Ln')).not.toContain('192.0.2.20:80');
    } finally {
      sh('umount', [state]);
    }
  });
});
