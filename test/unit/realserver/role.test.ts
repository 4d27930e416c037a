import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { buildModel } from '../../../src/model/index.js';
import { RealserverRole } from '../../../src/realserver/index.js';
import { fakeNode, vs } from './fake-node.js';

const VIP = '192.168.105.253';
const web = (ip = VIP) =>
  vs(`web-${ip}`, { addresses: [{ ip, port: 80 }], forwarding: 'DR', realServers: [{ address: '10.0.0.5' }] });
/** The model of these objects, as the role gets it. */
const model = (objects: Parameters<typeof buildModel>[0]) => buildModel(objects, () => undefined);

function role(n: ReturnType<typeof fakeNode>, clock = new FakeClock()) {
  return new RealserverRole({
    nodeName: 'backend-1',
    ports: n.ports,
    log: silentLogger(),
    registry: new Registry(),
    clock,
    resyncIntervalMs: 30_000,
  });
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('condition not reached');
};

describe('RealserverRole', () => {
  it('changes nothing before the first sync, even after start and a resync interval', async () => {
    const n = fakeNode();
    const clock = new FakeClock();
    const r = role(n, clock);
    await r.start();
    clock.advance(120_000);
    expect(n.writes()).toBe(0);
    await r.stop();
  });

  it('merges syncs that arrive during a pass into one follow-up with the latest objects', async () => {
    const n = fakeNode();
    const r = role(n);
    await r.start();
    const first = r.sync(model([web()]));
    const second = r.sync(model([web('192.168.105.1')]));
    const third = r.sync(model([web('192.168.105.2')]));
    expect(second).toBe(third);
    await first;
    const last = await third;
    expect(last.vips.map((v) => v.vip)).toEqual(['192.168.105.2']);
    expect(n.addresses.entries.map((e) => e.address)).toEqual(['127.0.0.1', '10.0.0.5', '192.168.105.2']);
    await r.stop();
  });

  it('resyncs periodically after the first sync: drift is corrected, and stop ends it', async () => {
    const n = fakeNode();
    const clock = new FakeClock();
    const r = role(n, clock);
    await r.start();
    await r.sync(model([web()]));
    n.addresses.entries.splice(
      n.addresses.entries.findIndex((e) => e.address === VIP),
      1,
    );
    clock.advance(30_000);
    await until(() => n.addresses.entries.some((e) => e.address === VIP));
    await r.stop();
    n.addresses.entries.splice(
      n.addresses.entries.findIndex((e) => e.address === VIP),
      1,
    );
    clock.advance(120_000);
    await new Promise((res) => setImmediate(res));
    expect(n.addresses.entries.some((e) => e.address === VIP)).toBe(false);
  });

  it('stops when the signal passed to start is aborted', async () => {
    const n = fakeNode();
    const clock = new FakeClock();
    const r = role(n, clock);
    const abort = new AbortController();
    await r.start(abort.signal);
    await r.sync(model([web()]));
    abort.abort();
    await new Promise((res) => setImmediate(res));
    n.addresses.entries.splice(
      n.addresses.entries.findIndex((e) => e.address === VIP),
      1,
    );
    clock.advance(120_000);
    await new Promise((res) => setImmediate(res));
    expect(n.addresses.entries.some((e) => e.address === VIP)).toBe(false);
  });
});
