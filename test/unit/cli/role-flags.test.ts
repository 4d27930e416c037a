import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { VrrpGroup } from '../../../src/api/index.js';
import { clusterRoleOptions, secretIssues } from '../../../src/cli/cluster-role.js';
import { UsageError } from '../../../src/cli/exit.js';
import { parseListenAddress, parseSecretFlags, secretOptions } from '../../../src/cli/flags.js';
import { EMPTY_OBSERVATION, nodeEvents, observeNode } from '../../../src/status/index.js';

describe('--metrics-address', () => {
  it('defaults to loopback when the chart does not set LVS_METRICS_ADDRESS', () => {
    const saved = process.env['LVS_METRICS_ADDRESS'];
    delete process.env['LVS_METRICS_ADDRESS'];
    try {
      const cmd = clusterRoleOptions(new Command('director'), { stateDir: '/tmp', metricsPort: 9400 });
      expect(cmd.opts()['metricsAddress']).toBe('127.0.0.1:9400');
    } finally {
      if (saved !== undefined) process.env['LVS_METRICS_ADDRESS'] = saved;
    }
  });

  it.each([
    // What the chart's "[$(LVS_NODE_IP)]:port" expands to, for either family.
    ['[192.0.2.7]:9400', { host: '192.0.2.7', port: 9400 }],
    ['[2001:db8::7]:9400', { host: '2001:db8::7', port: 9400 }],
    ['[0.0.0.0]:9401', { host: '0.0.0.0', port: 9401 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it('refuses an address without a port', () => {
    expect(() => parseListenAddress('[192.0.2.7]')).toThrow(UsageError);
  });
});

describe('Secret flags', () => {
  const parse = (...argv: string[]) => {
    const cmd = secretOptions(new Command('director')).exitOverride();
    cmd.parse(argv, { from: 'user' });
    return parseSecretFlags(cmd.opts() as { readSecrets: string; secretNamespaces?: string });
  };

  it('reads Secrets by default, everywhere it watches', () => {
    expect(parse()).toEqual({ reading: 'watch' });
  });

  it('--read-secrets=false reads none', () => {
    expect(parse('--read-secrets=false')).toEqual({ reading: 'off' });
  });

  it('--secret-namespaces narrows to namespaces', () => {
    expect(parse('--secret-namespaces', 'lb, apps,')).toEqual({ reading: 'watch', namespaces: ['lb', 'apps'] });
  });

  it('refuses anything but true or false', () => {
    expect(() => parse('--read-secrets=no')).toThrow('--read-secrets must be true or false, got "no"');
  });
});

describe('SecretUnavailable issues', () => {
  const group = (name: string, nodeSelector?: Record<string, unknown>) =>
    ({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VrrpGroup',
      metadata: { name, namespace: 'apps' },
      spec: { ...(nodeSelector ? { nodeSelector } : {}) },
    }) as unknown as VrrpGroup;
  const message = 'Secrets are not read (--read-secrets=false; chart value rbac.readSecrets=false)';

  it('names the groups this node would run, as Warning Events with reason SecretUnavailable', () => {
    const issues = secretIssues(
      [
        { group: group('everywhere'), message },
        { group: group('here', { matchLabels: { zone: 'a' } }), message },
        { group: group('elsewhere', { matchLabels: { zone: 'b' } }), message },
      ],
      { zone: 'a' },
    );
    expect(issues.map((i) => `${i.ref.name} ${i.reason}`)).toEqual([
      'everywhere SecretUnavailable',
      'here SecretUnavailable',
    ]);
    const events = nodeEvents('lb-1', EMPTY_OBSERVATION, observeNode([], issues));
    expect(events[0]).toEqual({
      regarding: { kind: 'VrrpGroup', namespace: 'apps', name: 'everywhere' },
      type: 'Warning',
      reason: 'SecretUnavailable',
      note: `on lb-1: spec.authentication.secretRef: ${message}; the group is not run`,
    });
  });
});
