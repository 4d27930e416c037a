import { describe, expect, it } from 'vitest';
import { FakeProcessRunner } from '../../../src/net/fake-process-runner.js';
import { detectRedirectBackend } from '../../../src/net/redirect-backend.js';

const NAMES = { nftTable: 'lvs_test', iptablesChain: 'LVS-TEST' };

/** A runner where the listed programs succeed and every other one fails. */
function runnerWhere(working: readonly string[]): FakeProcessRunner {
  const runner = new FakeProcessRunner();
  runner.respond = (request) =>
    working.includes(request.argv[0] ?? '')
      ? { kind: 'exited', exitCode: 0 }
      : { kind: 'exited', exitCode: 1, stderr: 'Protocol not supported' };
  return runner;
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
    expect(await detectRedirectBackend(runnerWhere(working), NAMES)).toEqual(expected);
  });

  it('only reads: nft -c with the table and its chain, and rule listings, as system tools', async () => {
    const r = runnerWhere([]);
    await detectRedirectBackend(r, NAMES);
    expect(r.calls.map((c) => c.argv)).toEqual([
      ['nft', '-c', '-f', '-'],
      ['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING'],
      ['iptables-legacy', '-w', '-t', 'nat', '-S', 'PREROUTING'],
    ]);
    expect(r.calls.every((c) => c.kind === 'system')).toBe(true);
    expect(r.calls[0]?.input).toBe(
      'add table inet lvs_test\nadd chain inet lvs_test prerouting { type nat hook prerouting priority dstnat; policy accept; }\n',
    );
  });
});
