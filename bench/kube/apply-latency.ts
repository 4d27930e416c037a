/**
 * Runs inside the kernel harness (bench/kube/run.sh boots it): etcd and kube-apiserver on the
 * guest's loopback, the controller in this process, and `lvs-operator director` as a process
 * of its own in the guest's network namespace, where IPVS exists. Measures, per VirtualServer,
 * the time from the start of its server-side apply to its service showing in the kernel's IPVS
 * table (/proc/net/ip_vs), one apply at a time, first in an empty cluster and then with 1,000
 * VirtualServers present. Writes <out>/result.json.
 *
 * What each apply's time is made of comes from the director's own log, on the same clock (one
 * guest): its trace line `watch event` (the informer received the object), its debug line
 * `ipvs synced` (end and `elapsedMs` of the IPVS write that added the service: an update of the
 * changed services, or a full pass with a dump of the table), and the poll of /proc/net/ip_vs.
 *
 * Usage: tsx bench/kube/apply-latency.ts <out dir>   (LVS_KUBE_BIN: the binaries' dir;
 * LVS_BENCH_APPLIES, LVS_BENCH_PRESENT change the sizes)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { Controller } from '../../src/controller/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createNetlinkClient } from '../../src/ipvs/index.js';
import { freshNamespace, installCrds, kubeConfigFrom, repoRoot } from '../../test/kube/cluster.js';
import { ControlPlane, waitFor } from '../../test/kube/control-plane.js';

const out = process.argv[2] ?? '.';
const bin = process.env['LVS_KUBE_BIN'] ?? '';
const APPLIES = Number(process.env['LVS_BENCH_APPLIES'] ?? 200);
const PRESENT = Number(process.env['LVS_BENCH_PRESENT'] ?? 1000);
const NODE = 'lb1';
const VIP = '10.20.0.1';
const POLL_MS = 2;

/** One measured apply; times in ms since its apply started. */
interface Sample {
  readonly applied: number;
  readonly watched: number;
  readonly passStart: number;
  readonly passEnd: number;
  readonly kernel: number;
}

/** A line of the director's log that ends an IPVS pass with writes. */
interface PassLine {
  readonly timeMs: number;
  readonly elapsedMs: number;
  readonly ops: number;
}

const virtualServer = (ns: string, i: number) => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VirtualServer',
  metadata: { name: `vs-${i}`, namespace: ns },
  spec: {
    addresses: [{ ip: VIP, port: i + 1 }],
    scheduler: 'rr',
    forwarding: 'NAT',
    programOn: 'Always',
    realServers: [{ address: '10.30.0.1', port: 8080, weight: 1 }],
  },
});

/**
 * Server-side apply through one client, as kubectl does within a run: the client looks the
 * resource up (discovery) once and caches it, so each apply is one request.
 */
class Applier {
  private readonly api: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  async apply(obj: ReturnType<typeof virtualServer>, attempts = 1): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await this.api.patch(obj, undefined, undefined, 'bench', true, PatchStrategy.ServerSideApply);
        return;
      } catch (err) {
        if (i >= attempts) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500 * i));
      }
    }
  }
}

/** "TCP  0A140001:0050 rr" lines of /proc/net/ip_vs, as VIP ports. */
async function kernelPorts(): Promise<Set<number>> {
  const text = await readFile('/proc/net/ip_vs', 'utf8');
  const hexVip = VIP.split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  const ports = new Set<number>();
  for (const m of text.matchAll(/^TCP\s+([0-9A-F]{8}):([0-9A-F]{4})\s/gm)) {
    if (m[1] === hexVip) ports.add(parseInt(m[2] ?? '0', 16));
  }
  return ports;
}

async function untilInKernel(port: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await kernelPorts()).has(port)) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`port ${port} not in the IPVS table after ${timeoutMs} ms`);
}

class DirectorProcess {
  private readonly child: ChildProcess;
  private buffered = '';
  readonly passes: PassLine[] = [];
  /** When the director's informer received each VirtualServer ("namespace/name") first. */
  readonly received = new Map<string, number>();
  log = '';

  constructor(kubeconfig: string, ns: string, stateDir: string) {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'src/cli/lvs-operator.ts'),
        'director',
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${ns}`,
        `--state-dir=${stateDir}`,
        '--metrics-address=127.0.0.1:0',
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, NODE_NAME: NODE, LOG_LEVEL: 'trace' },
      },
    );
    this.child.stderr?.on('data', (d: Buffer) => this.onData(d.toString()));
  }

  private onData(text: string): void {
    this.buffered += text;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"watch event"') && line.includes('"op":"ADDED"')) {
        const l = JSON.parse(line) as { time: number; object: string };
        if (!this.received.has(l.object)) this.received.set(l.object, l.time);
        continue;
      }
      if (!line.includes('"ipvs synced"')) {
        if (line.includes('"level":50') || line.includes('"level":40')) this.log += `${line}\n`;
        continue;
      }
      const l = JSON.parse(line) as { time: number; elapsedMs: number; ops: number };
      if (l.ops > 0) this.passes.push({ timeMs: l.time, elapsedMs: l.elapsedMs, ops: l.ops });
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.on('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

async function measure(kc: Applier, ns: string, director: DirectorProcess, first: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = first; i < first + APPLIES; i++) {
    const t0 = Date.now();
    const p0 = performance.now();
    await kc.apply(virtualServer(ns, i));
    const applied = performance.now() - p0;
    const kernel = (await untilInKernel(i + 1, 60_000)) - p0;
    // The write that put it there: the first pass with writes that ended after the apply began
    // (its log line may arrive a little after the table shows the service).
    const passOf = () => director.passes.find((p) => p.timeMs >= t0);
    await waitFor('the director logged the pass', 5_000, async () => passOf() !== undefined).catch(() => undefined);
    const pass = passOf();
    const watched = (director.received.get(`${ns}/vs-${i}`) ?? Number.NaN) - t0;
    samples.push({
      applied,
      watched,
      passStart: pass ? pass.timeMs - pass.elapsedMs - t0 : Number.NaN,
      passEnd: pass ? pass.timeMs - t0 : Number.NaN,
      kernel,
    });
    director.passes.length = 0;
    // Let the follow-up writes of this object (finalizer, status) settle, as a person's next
    // `kubectl apply` would find them; otherwise the next apply measures this one's tail.
    await new Promise((resolve) => setTimeout(resolve, 300));
    director.passes.length = 0;
  }
  return samples;
}

async function preload(kc: Applier, ns: string, from: number, to: number): Promise<void> {
  const width = 4;
  for (let i = from; i < to; i += width) {
    // Retried: the guest's one CPU is busy with the director's passes meanwhile.
    await Promise.all(Array.from({ length: Math.min(width, to - i) }, (_, k) => kc.apply(virtualServer(ns, i + k), 5)));
    if ((i - from) % 200 < width) process.stderr.write(`bench: ${i} VirtualServers applied\n`);
  }
  await waitFor(`${to} services in the IPVS table`, 600_000, async () => (await kernelPorts()).size >= to);
}

async function dumpMs(): Promise<number> {
  const client = await createNetlinkClient({ log: silentLogger() });
  try {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      await client.dump({ stats: false });
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2] ?? Number.NaN;
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const plane = new ControlPlane({ kubeApiserver: `${bin}/bin/kube-apiserver`, etcd: `${bin}/bin/etcd` });
  let controller: Controller | undefined;
  let director: DirectorProcess | undefined;
  try {
    await plane.start();
    await installCrds(plane.endpoint.kubeconfigPath);
    const kc = kubeConfigFrom(plane.endpoint.kubeconfigPath);
    const ns = await freshNamespace(kc, 'bench');
    await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: NODE } } });
    controller = new Controller({
      kc,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'bench',
      leaseNamespace: ns,
      namespace: ns,
    });
    controller.start();
    director = new DirectorProcess(plane.endpoint.kubeconfigPath, ns, join(out, 'state'));
    const applier = new Applier(kc);
    // The director is ready once it programs a first object.
    await applier.apply(virtualServer(ns, 0), 5);
    await untilInKernel(1, 300_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    director.passes.length = 0;

    const dumpEmptyMs = await dumpMs();
    const empty = await measure(applier, ns, director, 1);
    await preload(applier, ns, 1 + APPLIES, PRESENT);
    await new Promise((resolve) => setTimeout(resolve, 10_000)); // status and finalizer writes settle
    director.passes.length = 0;
    const dumpFullMs = await dumpMs();
    const full = await measure(applier, ns, director, PRESENT);
    await writeFile(
      join(out, 'result.json'),
      JSON.stringify({
        applies: APPLIES,
        cases: [
          { name: 'empty cluster', present: 1, dumpMs: dumpEmptyMs, samples: empty },
          { name: `${PRESENT} VirtualServers present`, present: PRESENT, dumpMs: dumpFullMs, samples: full },
        ],
        directorWarnings: director.log.split('\n').slice(-20).join('\n'),
      }),
    );
  } catch (err) {
    // What the API server said last, for a run that failed on its side.
    const log = await readFile(join(plane.directory, 'kube-apiserver.log'), 'utf8').catch(() => '');
    const memory = await readFile('/proc/meminfo', 'utf8').catch(() => '');
    process.stderr.write(`${log.split('\n').slice(-30).join('\n')}\n${director?.log ?? ''}\n`);
    process.stderr.write(`${memory.split('\n').slice(0, 3).join('\n')}\ncause: ${String((err as Error).cause)}\n`);
    throw err;
  } finally {
    await director?.stop();
    await controller?.stop();
    await plane.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
