import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/fake-clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeListWatch } from '../../src/kube/fake-list-watch.js';
import { createInformerMetrics } from '../../src/kube/metrics.js';
import type { StoreEvent } from '../../src/kube/object-store.js';
import { ResilientInformer } from '../../src/kube/resilient-informer.js';

// The informer's recovery logic against a fake collection with the server's semantics; the
// same behaviours against a real API server are in informer.test.ts.

interface Thing {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { n: number };
}

const thing = (name: string, n = 0): Thing => ({ metadata: { name, namespace: 'ns' }, spec: { n } });
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setup(opts: { watchdogMs?: number; resyncMs?: number; listTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const server = new FakeListWatch<Thing>('things');
  const registry = new Registry();
  const informer = new ResilientInformer<Thing>({
    client: server,
    clock,
    log: silentLogger(),
    metrics: createInformerMetrics(registry),
    watchdogMs: opts.watchdogMs ?? 10_000,
    resyncMs: opts.resyncMs ?? 600_000,
    listTimeoutMs: opts.listTimeoutMs ?? 5_000,
    backoff: { initialMs: 500, maxMs: 4_000 },
  });
  const events: string[] = [];
  informer.on((e: StoreEvent<Thing>) => events.push(`${e.type} ${e.object.metadata.name} ${e.object.spec?.n ?? ''}`));
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  const names = () => informer.list().map((t) => `${t.metadata.name}=${t.spec?.n ?? ''}`);
  const metric = async (name: string) => (await registry.getSingleMetricAsString(name)).split('\n').slice(2);
  return { clock, server, informer, events, advance, names, metric };
}

describe('ResilientInformer (fake collection)', () => {
  it('lists, reports synced, then follows the watch from the list version', async () => {
    const { server, informer, events, names } = await setup();
    server.put(thing('a', 1));
    informer.start();
    await informer.waitForSync();
    await flush();
    expect(server.ops).toEqual(['list', 'watch 2']);
    server.put(thing('b', 2));
    server.put(thing('a', 3));
    server.delete('b', 'ns');
    await flush();
    expect(events).toEqual(['added a 1', 'added b 2', 'modified a 3', 'deleted b 2']);
    expect(names()).toEqual(['a=3']);
    informer.stop();
  });

  it('resumes a failed watch from the last version after a backoff, without replaying', async () => {
    const { server, informer, events, advance, names } = await setup();
    server.put(thing('a', 1));
    informer.start();
    await flush();
    server.put(thing('a', 2));
    await flush();
    server.endWatches(new Error('ECONNRESET'));
    server.putSilently(thing('c', 5));
    await advance(499);
    expect(server.ops).toEqual(['list', 'watch 2']);
    await advance(1);
    expect(server.ops).toEqual(['list', 'watch 2', 'watch 3']);
    expect(events).toEqual(['added a 1', 'modified a 2', 'added c 5']);
    expect(names()).toEqual(['a=2', 'c=5']);
    informer.stop();
  });

  it('relists on 410 Gone and turns the difference into events', async () => {
    const { server, informer, events, advance, names, metric } = await setup();
    server.put(thing('a', 1));
    server.put(thing('b', 1));
    informer.start();
    await flush();
    server.endWatches(new Error('connection refused'));
    server.putSilently(thing('a', 2));
    server.delete('b', 'ns');
    server.compact();
    await advance(500);
    await flush();
    expect(server.ops).toEqual(['list', 'watch 3', 'watch 3', 'list', 'watch 5']);
    expect(events).toEqual(['added a 1', 'added b 1', 'deleted b 1', 'modified a 2']);
    expect(names()).toEqual(['a=2']);
    expect(await metric('lvs_kube_informer_relists_total')).toContain(
      'lvs_kube_informer_relists_total{resource="things",reason="gone"} 1',
    );
    informer.stop();
  });

  it('abandons a silent watch after the watchdog and catches up from the last version', async () => {
    const { server, informer, events, advance } = await setup({ watchdogMs: 10_000 });
    informer.start();
    await flush();
    server.putSilently(thing('late', 1));
    await advance(9_999);
    expect(events).toEqual([]);
    await advance(1);
    await advance(500);
    expect(events).toEqual(['added late 1']);
    expect(server.ops).toEqual(['list', 'watch 1', 'watch 1']);
    informer.stop();
  });

  it('keeps a quiet watch that receives bookmarks', async () => {
    const { server, informer, advance } = await setup({ watchdogMs: 10_000 });
    informer.start();
    await flush();
    for (let i = 0; i < 5; i++) {
      await advance(8_000);
      server.bookmark();
    }
    expect(server.ops).toEqual(['list', 'watch 1']);
    informer.stop();
  });

  it('backs off exponentially while lists fail, and retries a stalled list', async () => {
    const { server, informer, advance } = await setup({ listTimeoutMs: 5_000 });
    server.failList = [new Error('refused'), new Error('refused'), new Error('refused')];
    informer.start();
    await flush();
    const lists = () => server.ops.filter((o) => o === 'list').length;
    await advance(499);
    expect(lists()).toBe(1);
    await advance(1);
    expect(lists()).toBe(2);
    await advance(1_000);
    expect(lists()).toBe(3);
    await advance(2_000);
    expect(lists()).toBe(4);
    expect(informer.hasSynced).toBe(true);
    server.endWatches(new Error('x'));
    server.hangList = true;
    await advance(500 + 500 + 1_000); // three watch failures in a row lead to a relist
    informer.stop();
  });

  it('retries a list that never answers once the list timeout passes', async () => {
    const { server, informer, advance } = await setup({ listTimeoutMs: 5_000 });
    server.hangList = true;
    informer.start();
    await advance(4_999);
    expect(server.ops).toEqual(['list']);
    server.hangList = false;
    await advance(1); // timeout
    await advance(500); // backoff
    expect(server.ops).toEqual(['list', 'list', 'watch 1']);
    expect(informer.hasSynced).toBe(true);
    informer.stop();
  });

  it('relists periodically and heals a lost event', async () => {
    const { server, informer, events, advance } = await setup({ resyncMs: 60_000, watchdogMs: 1_000_000 });
    informer.start();
    await flush();
    server.putSilently(thing('lost', 1));
    // The open watch never sees it; only the periodic relist can.
    await advance(59_999);
    expect(events).toEqual([]);
    await advance(1);
    expect(events).toEqual(['added lost 1']);
    informer.stop();
  });

  it('resumes at once, without backoff or relist, a watch that failed after working a while', async () => {
    const { server, informer, advance } = await setup({ watchdogMs: 60_000 });
    informer.start();
    await flush();
    for (let i = 0; i < 4; i++) {
      await advance(30_000);
      server.endWatches(new Error('TimeoutError'));
      await flush();
    }
    expect(server.ops).toEqual(['list', 'watch 1', 'watch 1', 'watch 1', 'watch 1', 'watch 1']);
    informer.stop();
  });

  it('does not spin when the server closes streams at once', async () => {
    const { server, informer, advance } = await setup();
    informer.start();
    await flush();
    server.endWatches();
    await flush();
    expect(server.ops).toEqual(['list', 'watch 1']);
    await advance(500);
    expect(server.ops).toEqual(['list', 'watch 1', 'watch 1']);
    informer.stop();
  });

  it('stops when its AbortSignal fires', async () => {
    const clock = new FakeClock();
    const server = new FakeListWatch<Thing>('things');
    const controller = new AbortController();
    const informer = new ResilientInformer<Thing>({
      client: server,
      clock,
      log: silentLogger(),
      signal: controller.signal,
    });
    informer.start();
    await flush();
    controller.abort();
    expect(server.openWatches).toBe(0);
    expect(clock.armed).toBe(0);
  });

  it('stops: no timers left and no more requests', async () => {
    const { clock, server, informer, advance } = await setup();
    informer.start();
    await flush();
    informer.stop();
    expect(server.openWatches).toBe(0);
    expect(clock.armed).toBe(0);
    await advance(3_600_000);
    expect(server.ops).toEqual(['list', 'watch 1']);
  });
});
