/**
 * The RedirectRules contract against nftables on the host kernel, inside a namespace of our
 * own: the adapter's commands run through `ip netns exec`, so nothing outside it is touched.
 * (The kernel harness's 6.1 build has no nft nat chain type; the host kernel has.)
 */
import { afterAll, beforeAll } from 'vitest';
import { ExecCommandRunner, type CommandRunner } from '../../src/realserver/command-runner.js';
import { NftRedirectRules } from '../../src/realserver/nft-redirect-rules.js';
import { describeRedirectRulesContract } from '../unit/realserver/port-contracts.js';
import { run, runOk } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const ns = `lvs-rs-ports-${process.pid}`;
const exec = new ExecCommandRunner();
const inNamespace: CommandRunner = { run: (argv, opts) => exec.run(['ip', 'netns', 'exec', ns, ...argv], opts) };

describeAsRoot('realserver ports against the host kernel', () => {
  beforeAll(async () => {
    await runOk(['ip', 'netns', 'add', ns]);
  });
  afterAll(async () => {
    await run(['ip', 'netns', 'del', ns]);
  });
  describeRedirectRulesContract(
    'nft (host kernel, namespace)',
    () => new NftRedirectRules(inNamespace),
    async () => {
      await runOk([
        'ip',
        'netns',
        'exec',
        ns,
        'nft',
        'add',
        'rule',
        'inet',
        'lvs_realserver',
        'prerouting',
        'ip',
        'saddr',
        '10.99.0.99',
        'accept',
      ]);
    },
  );
});
