import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { describeIpvsClientContract } from './client-contract.js';

describeIpvsClientContract('fake', () => Promise.resolve(new FakeIpvsClient()));

describe('FakeIpvsClient extras', () => {
  it('records every op and injects failures', async () => {
    const fake = new FakeIpvsClient();
    fake.failOn.push({ op: 'addService', errno: constants.errno.ENOMEM, times: 1 });
    const key = { kind: 'fwmark', af: 'inet', fwmark: 1 } as const;
    const service = { key, scheduler: 'rr', flags: 0, timeoutMs: 0, netmask: 0xffffffff, peName: '' };
    const [first] = await fake.apply([{ op: 'addService', service }]);
    const [second] = await fake.apply([{ op: 'addService', service }]);
    expect(first?.error).toMatchObject({ code: 'LVS_IPVS_KERNEL', errnoName: 'ENOMEM' });
    expect(second?.error).toBeUndefined();
    expect(fake.opLog).toHaveLength(2);
  });
});
