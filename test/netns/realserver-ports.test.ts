/**
 * The RedirectRules contract against the host kernel, inside a namespace of our own: the
 * adapters' commands run through `ip netns exec`, so nothing outside it is touched. nft here;
 * iptables as the host's `iptables` is (iptables-nft on Debian). The kernel harness runs the
 * same contract with iptables-legacy (its 6.1 build has no nft nat chain type).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import {
  ANY_COMMAND,
  detectRedirectBackend,
  IptablesRedirectRules,
  NftRedirectRules,
  SpawnProcessRunner,
  type ProcessRunner,
} from '../../src/net/index.js';
import { REALSERVER_REDIRECT_TABLE } from '../../src/realserver/index.js';
import { describeRedirectRulesContract } from '../unit/net/redirect-rules-contract.js';
import { run, runOk } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const ns = `lvs-rs-ports-${process.pid}`;
const exec = new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND });
const inNamespace: ProcessRunner = {
  run: (request) => exec.run({ ...request, argv: ['ip', 'netns', 'exec', ns, ...request.argv] }),
};
const { nftTable, iptablesChain } = REALSERVER_REDIRECT_TABLE;
const inNs = (argv: string[]) => runOk(['ip', 'netns', 'exec', ns, ...argv]);

describeAsRoot('realserver ports against the host kernel', () => {
  beforeAll(async () => {
    await runOk(['ip', 'netns', 'add', ns]);
  });
  afterAll(async () => {
    await run(['ip', 'netns', 'del', ns]);
  });

  it('detects nftables NAT on this kernel without writing anything', async () => {
    expect(await detectRedirectBackend(inNamespace, REALSERVER_REDIRECT_TABLE)).toEqual({ kind: 'nft' });
    expect(await inNs(['nft', 'list', 'ruleset'])).toBe('');
  });

  describeRedirectRulesContract(
    'nft (host kernel, namespace)',
    () => new NftRedirectRules(inNamespace, nftTable),
    async () => {
      await inNs(['nft', 'add', 'rule', 'inet', 'lvs_realserver', 'prerouting', 'ip', 'saddr', '10.99.0.99', 'accept']);
    },
  );

  describeRedirectRulesContract(
    'iptables (host kernel, namespace)',
    () => new IptablesRedirectRules(inNamespace, iptablesChain),
    async () => {
      await inNs(['iptables', '-w', '-t', 'nat', '-A', 'LVS-REDIRECT', '-s', '10.99.0.99/32', '-j', 'ACCEPT']);
    },
  );

  it('iptables: removing the chain leaves the rest of PREROUTING alone', async () => {
    await inNs(['iptables', '-w', '-t', 'nat', '-A', 'PREROUTING', '-d', '10.99.0.200/32', '-j', 'REDIRECT']);
    const rules = new IptablesRedirectRules(inNamespace, iptablesChain);
    await rules.add({ family: 4, vip: '10.99.0.10' });
    expect(await inNs(['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING'])).toContain('-j LVS-REDIRECT');
    await rules.removeTable();
    expect(await inNs(['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING'])).toBe(
      '-P PREROUTING ACCEPT\n-A PREROUTING -d 10.99.0.200/32 -j REDIRECT\n',
    );
  });
});
