import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIST_OPTIONS,
  formatList,
  formatRules,
  glibcMergeSort,
  largeNumber,
  type NameLookup,
} from '../../../src/ipvs/format.js';
import { parseRules } from '../../../src/ipvs/rules.js';
import { idleObserved, type ObservedService } from '../../../src/ipvs/types.js';

// Goldens: what ipvsadm 1.31 printed for one table (test/fixtures/ipvs/list-capture.sh).
const golden = (name: string): string =>
  readFileSync(resolve(import.meta.dirname, `../../fixtures/ipvs/list/${name}`), 'utf8');

function tableFromRules(text: string): ObservedService[] {
  const parsed = parseRules(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.services.map(idleObserved);
}

const table = tableFromRules(golden('rules.txt'));
const info = { version: 0x010201, connTableSize: 4096 };

// The entries of the capture machine's /etc/services and /etc/hosts that the table uses.
const services: Record<string, string> = {
  '53/udp': 'domain',
  '80/tcp': 'http',
  '22/tcp': 'ssh',
  '443/udp': 'https',
  '5060/udp': 'sip',
  '8080/tcp': 'http-alt',
};
const names: NameLookup = {
  host: (_af, address) => (address === '127.0.0.1' ? 'localhost' : undefined),
  service: (port, proto) => (proto ? services[`${port}/${proto}`] : undefined),
};

describe('ipvsadm -L renderings against ipvsadm goldens', () => {
  const cases = [
    { name: 'Ln.txt', opts: { numeric: true } },
    { name: 'Ln-sort.txt', opts: { numeric: true } },
    { name: 'L.txt', opts: {} },
    { name: 'Ln-stats.txt', opts: { numeric: true, stats: true } },
    { name: 'Ln-rate.txt', opts: { numeric: true, rate: true } },
    { name: 'Ln-stats-exact.txt', opts: { numeric: true, stats: true, exact: true } },
    { name: 'Ln-persistent-conn.txt', opts: { numeric: true, persistentConn: true } },
    {
      name: 'Ln-t.txt',
      opts: { numeric: true, service: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '192.0.2.1', port: 80 } },
    },
    {
      name: 'Ln-u6.txt',
      opts: {
        numeric: true,
        service: { kind: 'addr', af: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 443 },
      },
    },
    { name: 'Ln-f.txt', opts: { numeric: true, service: { kind: 'fwmark', af: 'inet', fwmark: 7 } } },
  ] as const;
  it.each(cases)('$name', ({ name, opts }) => {
    expect(formatList(info, table, { ...DEFAULT_LIST_OPTIONS, ...opts }, names)).toBe(golden(name));
  });
  it('ipvsadm -Sn and -S', () => {
    expect(formatRules(table, true)).toBe(golden('rules.txt'));
    expect(formatRules(table, false, names)).toBe(golden('S.txt'));
  });
});

describe('print_largenum', () => {
  it.each([
    [0n, false, '        0'],
    [99_999_999n, false, ' 99999999'],
    [100_000_000n, false, '  100000K'],
    [1_000_000_000n, false, '    1000M'],
    [100_000_000_000n, false, '     100G'],
    [100_000_000_000_000n, false, '     100T'],
    [1_000_000_000n, true, ' 1000000000'],
    [12n, true, '       12'],
  ])('%s exact=%s', (v, exact, text) => {
    expect(largeNumber(v, exact)).toBe(text);
  });
});

describe('glibc merge sort', () => {
  it('keeps equal elements in order and sorts like qsort', () => {
    const xs = [5, 3, 5, 1, 4, 1].map((v, i) => ({ v, i }));
    expect(glibcMergeSort(xs, (a, b) => a.v - b.v).map((x) => x.i)).toEqual([3, 5, 1, 4, 0, 2]);
  });
});
