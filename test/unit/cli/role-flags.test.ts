import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { clusterRoleOptions } from '../../../src/cli/cluster-role.js';
import { UsageError } from '../../../src/cli/exit.js';
import { parseListenAddress, parseSecretFlags, secretOptions } from '../../../src/cli/flags.js';

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
