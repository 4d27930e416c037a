import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';
import { FakeDevices } from '../../../src/realserver/fake-devices.js';
import { FakeRedirectRules } from '../../../src/realserver/fake-redirect-rules.js';
import { FakeStateStore } from '../../../src/realserver/fake-state-store.js';
import { FakeSysctls } from '../../../src/realserver/fake-sysctls.js';
import { FileStateStore } from '../../../src/realserver/file-state-store.js';
import {
  describeLoopbackAddressesContract,
  describeDevicesContract,
  describeRedirectRulesContract,
  describeStateStoreContract,
  describeSysctlsContract,
} from './port-contracts.js';

describeSysctlsContract('fake', () => new FakeSysctls(['lo']));
describeLoopbackAddressesContract('fake (src/net)', () => new FakeAddresses());
describeDevicesContract('fake', () => new FakeDevices());
const rules = new FakeRedirectRules();
describeRedirectRulesContract(
  'fake',
  () => rules,
  () => {
    rules.foreign();
    return Promise.resolve();
  },
);
const store = new FakeStateStore();
describeStateStoreContract(
  'fake',
  () => store,
  () => {
    store.text = '{"version":1,"addresses":"nope"}';
    return Promise.resolve();
  },
);

// The file adapter needs no privilege: it runs here against a temporary directory.
const dir = mkdtempSync(join(tmpdir(), 'lvs-rs-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'nested', 'realserver-state.json');
describeStateStoreContract(
  'file',
  () => new FileStateStore(path),
  () => {
    writeFileSync(path, '{"version":1,');
    return Promise.resolve();
  },
);
