/**
 * Fuzzes the keepalived importer: random mutations of the corpus (and the seeds) go through
 * parse, convert, render and export. It fails on any exception and on any input that takes
 * longer than --slow-ms; a watchdog thread catches a hang and names the input to replay.
 *
 *   node --import tsx bench/keepalived/fuzz.ts [--inputs 100000] [--seed 1] [--replay N]
 */
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { exportKeepalived, importKeepalived, memorySource, renderManifests } from '../../src/keepalived/index.js';
import { mutate, seededRandom } from './mutate.js';

interface Options {
  inputs: number;
  seed: number;
  slowMs: number;
  replay: number | undefined;
}

function options(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const replay = get('replay');
  return {
    inputs: Number(get('inputs') ?? 100_000),
    seed: Number(get('seed') ?? 1),
    slowMs: Number(get('slow-ms') ?? 1000),
    replay: replay === undefined ? undefined : Number(replay),
  };
}

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/keepalived');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.conf') ? [join(dir, e.name)] : [],
  );
}

/** Corpus files keyed by their path under the fixtures folder, so includes resolve. */
function corpus(): Map<string, string> {
  return new Map(walk(FIXTURES).map((f) => [relative(FIXTURES, f), readFileSync(f, 'utf8')]));
}

/** Input number i: deterministic from (seed, i). */
function inputAt(files: Map<string, string>, names: readonly string[], seed: number, i: number) {
  const rnd = seededRandom(seed * 1_000_003 + i);
  const name = names[Math.floor(rnd() * names.length)] ?? '';
  return { name, text: mutate(files.get(name) ?? '', [...files.values()], rnd) };
}

function runOne(files: Map<string, string>, name: string, text: string): void {
  const reader = memorySource(new Map([...files, [name, text]]));
  const result = importKeepalived(name, reader, { configId: 'lb1', realServerObjects: text.length % 2 === 0 });
  renderManifests(result.objects, result.files);
  exportKeepalived(result.objects.map((o) => ({ value: o.manifest, source: o.source })));
}

/** CPU time of this thread: unlike wall time, it does not grow when the machine is busy. */
function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

function worker(opts: Options): void {
  const files = corpus();
  const names = [...files.keys()].sort();
  let slowest = { ms: 0, index: -1 };
  let slowestCpu = { ms: 0, index: -1 };
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < opts.inputs; i++) {
    if (i % 500 === 0) parentPort?.postMessage({ progress: i });
    const { name, text } = inputAt(files, names, opts.seed, i);
    const t0 = performance.now();
    const c0 = threadCpuMs();
    try {
      runOne(files, name, text);
    } catch (err) {
      parentPort?.postMessage({
        crash: i,
        name,
        text,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      return;
    }
    const ms = performance.now() - t0;
    const cpu = threadCpuMs() - c0;
    if (ms > slowest.ms) slowest = { ms, index: i };
    if (cpu > slowestCpu.ms) slowestCpu = { ms: cpu, index: i };
    bytes += text.length;
  }
  parentPort?.postMessage({
    done: true,
    inputs: opts.inputs,
    elapsedMs: performance.now() - started,
    slowest,
    slowestCpu,
    bytes,
  });
}

function report(opts: Options): void {
  const w = new Worker(new URL(import.meta.url), { workerData: opts, execArgv: process.execArgv });
  let last = 0;
  let lastAt = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastAt > 30_000) {
      console.error(
        `HANG: no progress for 30 s after input ${last}; replay inputs ${last}..${last + 499} with --replay N`,
      );
      void w.terminate();
      process.exitCode = 1;
      clearInterval(watchdog);
    }
  }, 1000);
  w.on(
    'message',
    (m: {
      progress?: number;
      crash?: number;
      name?: string;
      text?: string;
      error?: string;
      done?: boolean;
      inputs?: number;
      elapsedMs?: number;
      slowest?: { ms: number; index: number };
      slowestCpu?: { ms: number; index: number };
      bytes?: number;
    }) => {
      if (m.progress !== undefined) {
        last = m.progress;
        lastAt = Date.now();
      } else if (m.crash !== undefined) {
        const dir = join(ROOT, 'bench/out');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `fuzz-crash-${opts.seed}-${m.crash}.conf`);
        writeFileSync(file, m.text ?? '');
        console.error(`CRASH on input ${m.crash} (mutated ${m.name}), saved to ${file}:\n${m.error}`);
        process.exitCode = 1;
      } else if (m.done) {
        const slow = m.slowest ?? { ms: 0, index: -1 };
        console.log(`inputs: ${m.inputs}`);
        console.log(`seed: ${opts.seed}`);
        console.log(`exceptions: 0`);
        console.log(
          `elapsed: ${((m.elapsedMs ?? 0) / 1000).toFixed(1)} s (${(((m.elapsedMs ?? 0) * 1000) / (m.inputs ?? 1)).toFixed(0)} µs per input)`,
        );
        const cpu = m.slowestCpu ?? { ms: 0, index: -1 };
        console.log(`slowest input (wall): #${slow.index}, ${slow.ms.toFixed(1)} ms`);
        console.log(`slowest input (thread CPU): #${cpu.index}, ${cpu.ms.toFixed(1)} ms`);
        console.log(`input bytes: ${m.bytes}`);
        // CPU time decides: wall time also counts waiting for a busy machine.
        if (cpu.ms > opts.slowMs) {
          console.error(`SLOW: input ${cpu.index} used ${cpu.ms.toFixed(0)} ms of CPU (limit ${opts.slowMs} ms)`);
          process.exitCode = 1;
        }
      }
    },
  );
  w.on('exit', () => clearInterval(watchdog));
  w.on('error', (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

if (!isMainThread) {
  worker(workerData as Options);
} else {
  const opts = options(process.argv.slice(2));
  if (opts.replay !== undefined) {
    const files = corpus();
    const { name, text } = inputAt(files, [...files.keys()].sort(), opts.seed, opts.replay);
    process.stdout.write(`# input ${opts.replay} (mutated ${name})\n${text}\n`);
    runOne(files, name, text);
  } else {
    report(opts);
  }
}
