import { describe, expect, it } from 'vitest';
import { formatRules } from '../../../src/ipvs/format.js';
import { parseRules } from '../../../src/ipvs/rules.js';
import { idleObserved, type DesiredService } from '../../../src/ipvs/types.js';
import { randomTable, rng } from './table-gen.js';

describe('parseRules', () => {
  it('applies ipvsadm defaults', () => {
    const r = parseRules('-A -t 192.0.2.1:80\n-a -t 192.0.2.1:80 -r 10.0.0.1\n-A -u 192.0.2.1:53 -p\n');
    expect(r).toEqual({
      ok: true,
      services: [
        {
          key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '192.0.2.1', port: 80 },
          scheduler: 'wlc',
          flags: 0,
          timeoutMs: 0,
          netmask: 0xffffffff,
          peName: '',
          destinations: [
            {
              key: { af: 'inet', address: '10.0.0.1', port: 80 },
              forwarding: 'droute',
              weight: 1,
              upperThreshold: 0,
              lowerThreshold: 0,
              tunnelType: 'ipip',
              tunnelPort: 0,
              tunnelFlags: 0,
            },
          ],
        },
        {
          key: { kind: 'addr', af: 'inet', protocol: 'udp', address: '192.0.2.1', port: 53 },
          scheduler: 'wlc',
          flags: 1,
          timeoutMs: 360_000,
          netmask: 0xffffffff,
          peName: '',
          destinations: [],
        },
      ],
    });
  });
  it.each([
    ['-C', 1],
    ['-A -t 192.0.2.1', 1],
    ['-A -t 192.0.2.1:80 -s rr\n-A -t 192.0.2.1:80 -s rr', 2],
    ['-a -t 192.0.2.1:80 -r 10.0.0.1', 1],
    ['-A -f 0', 1],
    ['-A -t 192.0.2.1:80 --bogus', 1],
    ['# comment\n\n-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r nothost -m', 4],
  ])('reports the bad line of %j', (text, line) => {
    const r = parseRules(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.line).toBe(line);
  });
  it('property: formatRules then parseRules round-trips random tables (200 seeds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      // ipvsadm -S omits thresholds, so they are not part of the round trip.
      const table = randomTable(rng(seed)).map((s) => ({
        ...s,
        destinations: s.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })),
      }));
      const observed = table.map(idleObserved);
      const parsed = parseRules(formatRules(observed, true));
      expect(parsed.ok, `seed ${seed}`).toBe(true);
      if (!parsed.ok) continue;
      const norm = (t: readonly DesiredService[]): DesiredService[] =>
        t
          .map((s) => ({
            ...s,
            destinations: [...s.destinations].sort((a, b) =>
              a.key.address + a.key.port < b.key.address + b.key.port ? -1 : 1,
            ),
          }))
          .sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1));
      const expected = norm(table).map((s) => ({
        ...s,
        // A non-tunnel destination carries no tunnel settings in the rules text, and ipvsadm
        // writes local forwarding as -g (fwd_switch).
        destinations: s.destinations.map((d) =>
          d.forwarding === 'tunnel'
            ? d
            : {
                ...d,
                forwarding: d.forwarding === 'local' ? ('droute' as const) : d.forwarding,
                tunnelType: 'ipip' as const,
                tunnelPort: 0,
                tunnelFlags: 0,
              },
        ),
      }));
      expect(norm(parsed.services), `seed ${seed}`).toEqual(expected);
    }
  });
});
