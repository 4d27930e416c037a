/**
 * Runs the net port contract cases against the rtnetlink adapters in the namespace it is
 * started in (eth0 up with 10.200.0.1/24) and prints one JSON line of results.
 */
import { execFile } from 'node:child_process';
import { NetlinkAddresses, NetlinkLinks } from '../../src/net/index.js';
import { CONTRACT_CASES } from '../unit/net/net-contract.js';

const addresses = new NetlinkAddresses();
const links = new NetlinkLinks();
const link = await links.get('eth0');
const setUp = (up: boolean): Promise<void> =>
  new Promise((resolve, reject) => {
    execFile('ip', ['link', 'set', 'eth0', up ? 'up' : 'down'], (err) => (err ? reject(err) : resolve()));
  });
const results: { name: string; error?: string }[] = [];
for (const c of CONTRACT_CASES) {
  try {
    await c.run({ addresses, links, ifname: 'eth0', ifindex: link.index, setUp });
    results.push({ name: c.name });
  } catch (e) {
    results.push({ name: c.name, error: e instanceof Error ? e.message : String(e) });
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
links.close();
addresses.close();
