import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../../src/realserver/command-runner.js';
import { detectRedirectBackend } from '../../../src/realserver/redirect-backend.js';

/** A runner where the listed programs succeed and every other one fails. */
function runnerWhere(working: readonly string[]): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: (argv) => {
      calls.push([...argv]);
      const ok = working.includes(argv[0] ?? '');
      return Promise.resolve({ exitCode: ok ? 0 : 1, stdout: '', stderr: ok ? '' : 'Protocol not supported' });
    },
  };
}

describe('detectRedirectBackend', () => {
  it.each([
    { name: 'nftables NAT present', working: ['nft', 'iptables', 'iptables-legacy'], expected: { kind: 'nft' } },
    {
      name: 'no nftables NAT, iptables works',
      working: ['iptables', 'iptables-legacy'],
      expected: { kind: 'iptables', iptables: 'iptables', ip6tables: 'ip6tables' },
    },
    {
      name: 'no nf_tables at all: iptables-nft fails, iptables-legacy works',
      working: ['iptables-legacy'],
      expected: { kind: 'iptables', iptables: 'iptables-legacy', ip6tables: 'ip6tables-legacy' },
    },
    {
      name: 'nothing lists: plain iptables, whose errors the role reports',
      working: [],
      expected: { kind: 'iptables', iptables: 'iptables', ip6tables: 'ip6tables' },
    },
  ])('$name', async ({ working, expected }) => {
    expect(await detectRedirectBackend(runnerWhere(working))).toEqual(expected);
  });

  it('only reads: nft -c and rule listings', async () => {
    const r = runnerWhere([]);
    await detectRedirectBackend(r);
    expect(r.calls).toEqual([
      ['nft', '-c', '-f', '-'],
      ['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING'],
      ['iptables-legacy', '-w', '-t', 'nat', '-S', 'PREROUTING'],
    ]);
  });
});
