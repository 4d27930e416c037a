import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { createNetlinkClient } from '../../../src/ipvs/netlink-client.js';
import { DEFAULT_LIST_OPTIONS, formatList } from '../../../src/ipvs/format.js';
import { parseRules } from '../../../src/ipvs/rules.js';
import type { IpvsClient } from '../../../src/ipvs/client.js';
import type { DesiredService, Op } from '../../../src/ipvs/types.js';
import { randomTable, rng } from '../../unit/ipvs/table-gen.js';
import { Shell, ipvsadm, loadIpvsModules, lvsctl, sh } from './kernel-shell.js';

// ipvsadm is the oracle for what is in the kernel table, in both directions.

/** A table made with ipvsadm: every scheduler, forwarding method, tunnel type, persistence, fwmark, IPv6. */
const IPVSADM_TABLE = `
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m -w 3 -x 100 -y 10
-a -t 192.0.2.1:80 -r 10.0.0.3 -i --tun-type gue --tun-port 6080 --tun-nocsum
-a -t 192.0.2.1:80 -r 10.0.0.4 -i --tun-type gre --tun-csum
-a -t 192.0.2.1:80 -r 10.0.0.5 -i --tun-type gue --tun-port 6081 --tun-remcsum
-a -t 192.0.2.1:80 -r 200.0.0.4 -g
-a -t 192.0.2.1:80 -r 127.0.0.1 -g -w 0
-A -t 192.0.2.2:80 -s wrr
-a -t 192.0.2.2:80 -r 10.0.1.1 -g -w 7 -x 5 -y 2
-A -t 192.0.2.3:80 -s lc
-A -t 192.0.2.4:80 -s wlc
-A -t 192.0.2.5:80 -s lblc
-A -t 192.0.2.6:80 -s lblcr
-A -t 192.0.2.7:80 -s dh
-A -t 192.0.2.8:80 -s sh -b sh-port
-A -t 192.0.2.9:80 -s sed
-A -t 192.0.2.10:80 -s nq
-A -t 192.0.2.11:80 -s fo
-A -t 192.0.2.12:80 -s ovf
-A -t 192.0.2.13:80 -s mh -b mh-fallback,mh-port
-A -u 192.0.2.1:53 -s wlc -p 300 -M 255.255.255.0
-a -u 192.0.2.1:53 -r 10.0.2.1 -m
-A -u 192.0.2.2:5060 -s rr -p 60 --pe sip
-A -u 192.0.2.3:514 -s rr -o
-A --sctp-service 192.0.2.3:3868 -s lc
-A -f 7 -s sh -b sh-fallback,sh-port
-a -f 7 -r 10.0.3.1 -g
-A -f 8 -6 -s mh -b mh-port
-a -f 8 -6 -r 2001:db8::5 -g
-A -u [2001:db8::1]:443 -s mh -o -p 20 -M 64
-a -u [2001:db8::1]:443 -r 10.9.9.9 -i
-a -u [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 5 -x 9
-A -t [2001:db8::2]:80 -s rr -p
-a -t [2001:db8::2]:80 -r [2001:db8:0:0:1:0:0:1]:80 -i --tun-type gre
-A -t [::ffff:192.0.2.7]:8000 -s wrr
`;

const LIST_FLAGS: string[][] = [
  ['-n'],
  [],
  ['-n', '--stats'],
  ['-n', '--rate'],
  ['-n', '--stats', '--exact'],
  ['-n', '--sort'],
  ['-n', '--nosort'],
  ['-n', '--thresholds'],
  ['-n', '--persistent-conn'],
  ['-n', '-t', '192.0.2.1:80'],
  ['-n', '-u', '[2001:db8::1]:443'],
  ['-n', '-f', '7'],
  ['-n', '-f', '8', '-6'],
];

/** ipvsadm's -L flag spelling for ours (the same except the filters' long forms). */
const ipvsadmList = (flags: string[]): string => ipvsadm('-L', ...flags);

describe('ipvsadm as the oracle', () => {
  let client: IpvsClient;
  beforeAll(async () => {
    loadIpvsModules();
    client = await createNetlinkClient({ log: silentLogger() });
  });
  afterAll(() => client.close());

  describe('a table written by ipvsadm', () => {
    // The listings do not change the table: one load serves them all.
    beforeAll(() => {
      ipvsadm('-C');
      sh('ipvsadm', ['-R'], IPVSADM_TABLE);
    });
    it.each(LIST_FLAGS.map((f) => [f.join(' ') || '(no flags)', f] as const))(
      'lvsctl ipvs list %s = ipvsadm -L',
      async (_n, flags) => {
        const ours = await lvsctl('ipvs', 'list', ...flags);
        expect(ours.code).toBe(0);
        expect(ours.stdout).toBe(ipvsadmList(flags));
      },
    );
    it('lvsctl ipvs save (-n) = ipvsadm -S (-n)', async () => {
      expect((await lvsctl('ipvs', 'save', '-n')).stdout).toBe(ipvsadm('-S', '-n'));
      expect((await lvsctl('ipvs', 'save')).stdout).toBe(ipvsadm('-S'));
    });
    it('is read by the client as what ipvsadm was told', async () => {
      const parsed = parseRules(IPVSADM_TABLE);
      if (!parsed.ok) throw new Error('bad table');
      expect(normalise(await client.dump())).toEqual(normalise(parsed.services));
    });
    it('a missing service with a filter is an error, as in ipvsadm', async () => {
      const ours = await lvsctl('ipvs', 'list', '-n', '-t', '192.0.2.99:1');
      expect(ours.code).toBe(1);
      expect(ours.stderr).toBe('No such service\n');
    });
  });

  describe('a table written by us', () => {
    beforeEach(() => {
      ipvsadm('-C');
    });
    it('reads back identically through ipvsadm -Ln, -Sn and --thresholds', async () => {
      const parsed = parseRules(IPVSADM_TABLE);
      if (!parsed.ok) throw new Error('bad table');
      await writeTable(client, parsed.services);
      const dump = await client.dump();
      const info = await client.info();
      expect(ipvsadm('-Ln')).toBe(formatList(info, dump, { ...DEFAULT_LIST_OPTIONS, numeric: true }));
      expect(ipvsadm('-Ln', '--thresholds')).toBe(
        formatList(info, dump, { ...DEFAULT_LIST_OPTIONS, numeric: true, thresholds: true }),
      );
      const back = parseRules(ipvsadm('-Sn'));
      if (!back.ok) throw new Error('ipvsadm -Sn did not parse');
      expect(normalise(back.services, true)).toEqual(normalise(parsed.services, true));
    });

    it('property: 200 random tables round-trip through ipvsadm', async () => {
      const info = await client.info();
      const shell = new Shell();
      const SPLIT = '=== thresholds';
      try {
        for (let seed = 1; seed <= 200; seed++) {
          const old = await client.dump();
          await client.apply(old.map((s): Op => ({ op: 'deleteService', key: s.key })));
          const table = randomTable(rng(seed), 6, 4);
          await writeTable(client, table);
          const dump = await client.dump();
          expect(normalise(dump), `seed ${seed}: dump`).toEqual(normalise(table));
          const both = await shell.run(`ipvsadm -Sn; echo '${SPLIT}'; ipvsadm -Ln --thresholds`);
          const cut = both.indexOf(`${SPLIT}\n`);
          const saved = both.slice(0, cut);
          const listed = both.slice(cut + SPLIT.length + 1);
          expect(listed, `seed ${seed}: -Ln --thresholds`).toBe(
            formatList(info, dump, { ...DEFAULT_LIST_OPTIONS, numeric: true, thresholds: true }),
          );
          const back = parseRules(saved);
          expect(back.ok, `seed ${seed}: -Sn parses`).toBe(true);
          if (back.ok) expect(normalise(back.services, true), `seed ${seed}: -Sn`).toEqual(normalise(table, true));
        }
      } finally {
        shell.close();
      }
    });
  });
});

async function writeTable(client: IpvsClient, table: readonly DesiredService[]): Promise<void> {
  const ops: Op[] = [];
  for (const s of table) {
    ops.push({ op: 'addService', service: s });
    for (const d of s.destinations) ops.push({ op: 'addDestination', service: s.key, destination: d });
  }
  const results = await client.apply(ops);
  expect(results.filter((r) => r.error).map((r) => r.error?.message)).toEqual([]);
}

/**
 * A table in a comparable form: sorted, writable fields only. `asSaved` drops what
 * `ipvsadm -S` does not carry (thresholds, local forwarding shown as -g, tunnel settings of
 * non-tunnel destinations).
 */
function normalise(table: readonly DesiredService[], asSaved = false): unknown {
  return table
    .map((s) => ({
      key: s.key,
      scheduler: s.scheduler,
      flags: s.flags,
      timeoutMs: s.timeoutMs,
      netmask: s.netmask,
      peName: s.peName,
      destinations: s.destinations
        .map((d) => ({
          key: d.key,
          forwarding: asSaved && d.forwarding === 'local' ? 'droute' : d.forwarding,
          weight: d.weight,
          upperThreshold: asSaved ? 0 : d.upperThreshold,
          lowerThreshold: asSaved ? 0 : d.lowerThreshold,
          tunnelType: asSaved && d.forwarding !== 'tunnel' ? 'ipip' : d.tunnelType,
          tunnelPort: asSaved && d.forwarding !== 'tunnel' ? 0 : d.tunnelPort,
          tunnelFlags: asSaved && d.forwarding !== 'tunnel' ? 0 : d.tunnelFlags,
        }))
        .sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1)),
    }))
    .sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1));
}

describe('lvsctl ipvs apply', () => {
  it('makes the table match a rules file, touches only what it owns, and is idempotent', async () => {
    loadIpvsModules();
    const dir = mkdtempSync(join(tmpdir(), 'lvs-ipvs-apply-'));
    try {
      ipvsadm('-C');
      // A service someone else made, which apply must leave alone.
      ipvsadm('-A', '-t', '198.51.100.1:80', '-s', 'rr');
      const state = join(dir, 'owned');
      const file = join(dir, 'rules');
      const first =
        '-A -t 192.0.2.50:80 -s wrr\n-a -t 192.0.2.50:80 -r 10.5.0.1:8080 -m -w 2\n-A -u 192.0.2.51:53 -s rr\n';
      writeFileSync(file, first);
      const dry = await lvsctl('ipvs', 'apply', file, '--state', state, '--dry-run');
      expect(dry.stdout).toBe(
        '-A -t 192.0.2.50:80 -s wrr\n-A -u 192.0.2.51:53 -s rr\n-a -t 192.0.2.50:80 -r 10.5.0.1:8080 -m -w 2\n',
      );
      expect((await lvsctl('ipvs', 'apply', file, '--state', state)).code).toBe(0);
      expect(ipvsadm('-Sn')).toBe(
        '-A -t 192.0.2.50:80 -s wrr\n-a -t 192.0.2.50:80 -r 10.5.0.1:8080 -m -w 2\n-A -t 198.51.100.1:80 -s rr\n-A -u 192.0.2.51:53 -s rr\n',
      );
      const again = await lvsctl('ipvs', 'apply', file, '--state', state);
      expect(again.stderr).toBe('0 changes, 0 failed\n');
      // Dropping a service from the file deletes it (it is recorded as ours); the foreign one stays.
      writeFileSync(file, '-A -t 192.0.2.50:80 -s wrr\n-a -t 192.0.2.50:80 -r 10.5.0.1:8080 -m -w 5\n');
      expect((await lvsctl('ipvs', 'apply', file, '--state', state)).stderr).toBe('2 changes, 0 failed\n');
      expect(ipvsadm('-Sn')).toBe(
        '-A -t 192.0.2.50:80 -s wrr\n-a -t 192.0.2.50:80 -r 10.5.0.1:8080 -m -w 5\n-A -t 198.51.100.1:80 -s rr\n',
      );
      // A rules file naming the foreign service: a conflict, reported, and the service unchanged.
      const before = ipvsadm('-Sn');
      writeFileSync(
        file,
        '-A -t 192.0.2.50:80 -s wrr\n-a -t 192.0.2.50:80 -r 10.5.0.1:8080 -m -w 5\n-A -t 198.51.100.1:80 -s sh\n',
      );
      const conflict = await lvsctl('ipvs', 'apply', file, '--state', state);
      expect(conflict.code).toBe(1);
      expect(conflict.stderr).toMatch(/^conflict: IPVS service tcp 198\.51\.100\.1:80 already exists on this node/m);
      expect(ipvsadm('-Sn')).toBe(before);
      // A bad file changes nothing and names the line.
      writeFileSync(file, '-A -t 192.0.2.50:80 -s wrr\n-C\n');
      const bad = await lvsctl('ipvs', 'apply', file, '--state', state);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/rules:2: "-C" is not a service or server declaration/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
