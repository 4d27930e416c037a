import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';
import { FakeDevices } from '../../../src/realserver/fake-devices.js';
import { FakeStateStore } from '../../../src/realserver/fake-state-store.js';
import { FileStateStore } from '../../../src/realserver/file-state-store.js';
import {
  describeLoopbackAddressesContract,
  describeDevicesContract,
  describeStateStoreContract,
} from './port-contracts.js';

describeLoopbackAddressesContract('fake (src/net)', () => new FakeAddresses());
describeDevicesContract('fake', () => new FakeDevices());
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
