import { describe, it } from 'vitest';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';
import { FakeLinks } from '../../../src/net/fake-links.js';
import { CONTRACT_CASES, type ContractWorld } from './net-contract.js';

async function fakeWorld(): Promise<ContractWorld> {
  const addresses = new FakeAddresses();
  await addresses.add({ ifindex: 7, address: '10.200.0.1', prefixLength: 24 });
  const links = new FakeLinks([{ index: 7, name: 'eth0', mac: '02:00:00:00:00:07', up: true }]);
  return {
    addresses,
    links,
    ifname: 'eth0',
    ifindex: 7,
    setUp: (up) => {
      links.setUp('eth0', up);
      return Promise.resolve();
    },
  };
}

describe('net port contract: fakes', () => {
  it.each(CONTRACT_CASES.map((c) => ({ name: c.name, c })))('$name', async ({ c }) => {
    await c.run(await fakeWorld());
  });
});
