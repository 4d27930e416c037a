/** The net port contract (test/unit/net/net-contract.ts) against rtnetlink in a namespace. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import { CONTRACT_CASES } from '../unit/net/net-contract.js';

const MAIN = fileURLToPath(new URL('./vrrp-net-contract-main.ts', import.meta.url));

describeAsRoot('net port contract: rtnetlink adapters', () => {
  let lab: NetnsLab;
  let results: { name: string; error?: string }[] = [];

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vrrp-');
    await lab.addNode('n', { ipv4: '10.200.0.1/24' });
    const out = await lab.exec1('n', [process.execPath, '--import', 'tsx', MAIN]);
    results = JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as typeof results;
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it.each(CONTRACT_CASES.map((c) => ({ name: c.name })))('$name', ({ name }) => {
    expect(results.find((r) => r.name === name)).toEqual({ name });
  });
});
