import { describe } from 'vitest';
import { FakeCaptureSockets } from '../../../src/net/fake-capture-sockets.js';
import { captureSocketsContract } from '../../support/capture-sockets-contract.js';

describe('FakeCaptureSockets keeps the CaptureSockets contract', () => {
  const fake = new FakeCaptureSockets();
  captureSocketsContract({ sockets: () => fake, ifindex: () => 7, arrive: (frame) => fake.deliver(7, frame) });
});
