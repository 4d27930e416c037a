/**
 * Contract cases for the Addresses and Links ports, as plain async functions so that the same
 * cases run against the fakes (test/unit/net/net-contract.test.ts) and against rtnetlink in a
 * network namespace (test/netns/vrrp-net-contract.test.ts, through vrrp-net-contract-main.ts).
 */
import type { Addresses, Links } from '../../../src/net/index.js';

/** What a case gets: the ports and one test interface that is up and has 10.200.0.1/24. */
export interface ContractWorld {
  readonly addresses: Addresses;
  readonly links: Links;
  readonly ifname: string;
  readonly ifindex: number;
  /** Sets the test interface administratively up or down (the kernel then sends an event). */
  setUp(up: boolean): Promise<void>;
}

/** One contract case: throws on violation. */
export interface ContractCase {
  readonly name: string;
  run(world: ContractWorld): Promise<void>;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`contract violated: ${what}`);
}

async function addressesOf(w: ContractWorld): Promise<string[]> {
  return (await w.addresses.list({ ifindex: w.ifindex })).map((e) => `${e.address}/${e.prefixLength}`);
}

export const CONTRACT_CASES: readonly ContractCase[] = [
  {
    name: 'add lists the address with its prefix and label; add again is idempotent',
    async run(w) {
      const spec = { ifindex: w.ifindex, address: '10.200.0.50', prefixLength: 32, label: `${w.ifname}:vrrp1` };
      await w.addresses.add(spec);
      await w.addresses.add(spec);
      const entries = (await w.addresses.list({ ifindex: w.ifindex })).filter((e) => e.address === '10.200.0.50');
      check(entries.length === 1, 'one entry after two adds');
      check(entries[0]?.prefixLength === 32 && entries[0].label === `${w.ifname}:vrrp1`, 'prefix and label kept');
      check(entries[0]?.family === 4 && entries[0].scope === 0, 'family 4, scope universe');
      await w.addresses.remove(spec);
    },
  },
  {
    name: 'add tells whether it created the address; remove with our label leaves an unlabelled one of the same value',
    async run(w) {
      const own = { ifindex: w.ifindex, address: '10.200.0.60', prefixLength: 32 };
      check((await w.addresses.add(own)) === true, 'the first add creates');
      const ours = { ...own, label: `${w.ifname}:vrrp1` };
      check((await w.addresses.add(ours)) === false, 'an add of an existing address reports it was there');
      await w.addresses.remove(ours);
      check(
        (await addressesOf(w)).includes('10.200.0.60/32'),
        'the unlabelled address stays (inet_rtm_deladdr matches IFA_LABEL)',
      );
      await w.addresses.remove(own);
      check(!(await addressesOf(w)).includes('10.200.0.60/32'), 'removed without a label');
    },
  },
  {
    name: 'remove deletes; removing a missing address succeeds',
    async run(w) {
      const spec = { ifindex: w.ifindex, address: '10.200.0.51', prefixLength: 32 };
      await w.addresses.add(spec);
      await w.addresses.remove(spec);
      await w.addresses.remove(spec);
      check(!(await addressesOf(w)).includes('10.200.0.51/32'), 'address gone');
    },
  },
  {
    name: 'forgetting a neighbour entry that does not exist succeeds (IPv4 and IPv6)',
    async run(w) {
      await w.addresses.forgetNeighbour({ ifindex: w.ifindex, address: '10.200.0.99', prefixLength: 32 });
      await w.addresses.forgetNeighbour({ ifindex: w.ifindex, address: 'fd00:200::99', prefixLength: 128 });
      check(!(await addressesOf(w)).includes('10.200.0.99/32'), 'no address appeared');
    },
  },
  {
    name: 'a /32 next to a /24 primary is not secondary; a second /24 of the subnet is',
    async run(w) {
      await w.addresses.add({ ifindex: w.ifindex, address: '10.200.0.52', prefixLength: 32 });
      await w.addresses.add({ ifindex: w.ifindex, address: '10.200.0.53', prefixLength: 24 });
      const list = await w.addresses.list({ ifindex: w.ifindex });
      check(list.find((e) => e.address === '10.200.0.52')?.secondary === false, '/32 is primary');
      check(list.find((e) => e.address === '10.200.0.53')?.secondary === true, 'same /24 is secondary');
      check(list.find((e) => e.address === '10.200.0.1')?.secondary === false, 'first /24 stays primary');
      await w.addresses.remove({ ifindex: w.ifindex, address: '10.200.0.52', prefixLength: 32 });
      await w.addresses.remove({ ifindex: w.ifindex, address: '10.200.0.53', prefixLength: 24 });
    },
  },
  {
    name: 'IPv6 addresses: added without label, canonical text, removed',
    async run(w) {
      const spec = { ifindex: w.ifindex, address: '2001:DB8:0::77', prefixLength: 128, label: `${w.ifname}:vrrp2` };
      await w.addresses.add(spec);
      const e = (await w.addresses.list({ ifindex: w.ifindex })).find((x) => x.address === '2001:db8::77');
      check(e !== undefined && e.family === 6 && e.label === undefined && e.prefixLength === 128, 'IPv6 entry');
      await w.addresses.remove(spec);
      check(!(await addressesOf(w)).includes('2001:db8::77/128'), 'IPv6 address gone');
    },
  },
  {
    name: 'links: lookup by name, a missing name is LVS_NET_LINK_NOT_FOUND',
    async run(w) {
      const l = await w.links.get(w.ifname);
      check(l.index === w.ifindex && l.up && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(l.mac), 'link info');
      const missing = await w.links.get('nosuchlink0').then(
        () => undefined,
        (e: unknown) => e,
      );
      check((missing as { code?: string } | undefined)?.code === 'LVS_NET_LINK_NOT_FOUND', 'not found code');
    },
  },
  {
    name: 'links: watchers see the interface go down and up',
    async run(w) {
      const seen: boolean[] = [];
      const stop = w.links.watch((l) => {
        if (l.name === w.ifname) seen.push(l.up);
      });
      await w.setUp(false);
      await w.setUp(true);
      const deadline = Date.now() + 3000;
      while (!(seen.includes(false) && seen.at(-1) === true) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      stop();
      check(seen.includes(false) && seen.at(-1) === true, `down then up seen (${JSON.stringify(seen)})`);
    },
  },
];
