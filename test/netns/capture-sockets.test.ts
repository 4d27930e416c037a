/**
 * The native CaptureSockets adapter keeps the contract its fake keeps, on a veth pair made for
 * this test in the host namespace (no addresses, IPv6 off, so nothing but the test's frames
 * crosses it): frames sent from one end arrive on the other as from a peer.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { NativeCaptureSockets, NativePacketSockets, type PacketSocket } from '../../src/net/native.js';
import { ETH_P_IP } from '../../src/net/tcp-frames.js';
import { captureSocketsContract } from '../support/capture-sockets-contract.js';
import { runOk } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

describeAsRoot('NativeCaptureSockets keeps the CaptureSockets contract (veth pair)', () => {
  const id = randomBytes(3).toString('hex');
  const a = `lvsca${id}`;
  const b = `lvscb${id}`;
  let ifindexA = 0;
  let peer: PacketSocket | undefined;

  beforeAll(async () => {
    await runOk(['ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    for (const name of [a, b]) {
      await runOk(['sysctl', '-qw', `net.ipv6.conf.${name}.disable_ipv6=1`]);
      await runOk(['ip', 'link', 'set', name, 'up']);
    }
    ifindexA = Number(readFileSync(`/sys/class/net/${a}/ifindex`, 'utf8').trim());
    const ifindexB = Number(readFileSync(`/sys/class/net/${b}/ifindex`, 'utf8').trim());
    peer = new NativePacketSockets().open(ifindexB, ETH_P_IP);
  });

  afterAll(async () => {
    peer?.close();
    await runOk(['ip', 'link', 'del', a]).catch(() => undefined);
  });

  captureSocketsContract({
    sockets: () => new NativeCaptureSockets(),
    ifindex: () => ifindexA,
    arrive: (frame) => peer?.send(frame),
  });
});
