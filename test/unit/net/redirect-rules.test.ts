import { describe, expect, it } from 'vitest';
import { FakeProcessRunner } from '../../../src/net/fake-process-runner.js';
import { FakeRedirectRules } from '../../../src/net/fake-redirect-rules.js';
import { IptablesRedirectRules, NftRedirectRules } from '../../../src/net/index.js';
import { describeRedirectRulesContract } from './redirect-rules-contract.js';

const rules = new FakeRedirectRules();
describeRedirectRulesContract(
  'fake',
  () => rules,
  () => {
    rules.foreign();
    return Promise.resolve();
  },
);

describe('REDIRECT adapters on the process runner', () => {
  it('nft: a failure is a CommandError with the argv, the exit status and what nft said', async () => {
    const runner = new FakeProcessRunner();
    runner.results.set('nft', {
      kind: 'exited',
      exitCode: 1,
      stderr: 'Error: Could not process rule: Permission denied\n',
    });
    await expect(new NftRedirectRules(runner, 'lvs_test').add({ family: 4, vip: '10.0.0.1' })).rejects.toMatchObject({
      code: 'LVS_NET_COMMAND',
      argv: ['nft', '-f', '-', 'ip daddr 10.0.0.1 redirect'],
      outcome: 'exited',
      exitCode: 1,
    });
    expect(runner.calls[0]).toMatchObject({ kind: 'system', env: { LC_ALL: 'C' } });
  });

  it('nft: a missing table lists as none; a program that cannot start is an error, not an empty table', async () => {
    const runner = new FakeProcessRunner();
    runner.results.set('nft', { kind: 'exited', exitCode: 1, stderr: 'Error: No such file or directory' });
    expect(await new NftRedirectRules(runner, 'lvs_test').list()).toEqual({ tableExists: false, rules: [] });
    runner.results.set('nft', { kind: 'failed', errno: 'ENOENT' });
    await expect(new NftRedirectRules(runner, 'lvs_test').list()).rejects.toMatchObject({
      code: 'LVS_NET_COMMAND',
      outcome: 'failed',
      exitCode: undefined,
    });
  });

  it('iptables: a timed-out listing is an error naming the binary', async () => {
    const runner = new FakeProcessRunner();
    runner.results.set('iptables-legacy', { kind: 'timed-out' });
    const r = new IptablesRedirectRules(runner, 'LVS-TEST', { 4: 'iptables-legacy', 6: 'ip6tables-legacy' });
    await expect(r.list()).rejects.toMatchObject({
      code: 'LVS_NET_COMMAND',
      argv: ['iptables-legacy', '-w', '-t', 'nat', '-S'],
      outcome: 'timed-out',
    });
  });
});
