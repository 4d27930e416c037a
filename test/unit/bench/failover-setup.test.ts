import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { keepalivedConf, operatorManifests, VIP } from '../../../bench/failover/setup.js';

describe('the failover comparison runs one configuration in both products', () => {
  it('the import carries every setting of the keepalived.conf', () => {
    const docs = parseAllDocuments(operatorManifests({ version: 3, advertMs: 100, sync: true })).map(
      (d) => d.toJS() as { kind: string; spec: Record<string, unknown> },
    );
    const group = docs.find((d) => d.kind === 'VrrpGroup');
    const service = docs.find((d) => d.kind === 'VirtualServer');
    expect(group?.spec).toMatchObject({
      virtualRouterId: 51,
      version: 3,
      advertInterval: '100ms',
      priority: 100,
      preempt: false,
      connectionSync: { interface: 'eth0' },
      virtualIPs: [{ address: `${VIP}/24` }],
    });
    expect(service?.spec).toMatchObject({
      scheduler: 'rr',
      forwarding: 'DR',
      inhibitOnFailure: true,
      vrrpGroupRef: { name: 'vi-1' },
      realServers: [{ address: '10.0.0.5' }, { address: '10.0.0.6' }],
    });
  });

  it('without sync there is no lvs_sync_daemon and no connectionSync', () => {
    expect(keepalivedConf('dir2', { version: 2, advertMs: 1000, sync: false })).not.toContain('lvs_sync_daemon');
    expect(operatorManifests({ version: 2, advertMs: 1000, sync: false })).not.toContain('connectionSync');
  });
});
