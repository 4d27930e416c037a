/**
 * The running demo: the topology, the processes in it (agents, web servers, probes, client),
 * the state they feed, and the output (a redrawn view on a terminal, log lines and periodic
 * snapshots otherwise). `destroy()` removes everything and is safe to call twice.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseClientLine } from './client.js';
import {
  describeChanges,
  emptyTraffic,
  parseProbeLine,
  recordOutcome,
  type DemoState,
  type DirectorState,
  type LogLine,
} from './state.js';
import type { Timeline } from './timeline.js';
import { buildTopology, HEALTH_PAGE, HOSTS, VIP, type DemoTopology } from './topology.js';
import { formatLogLine, renderView } from './view.js';

/** Output settings. */
export interface OutputOptions {
  /** Redraw the view in place (a terminal); otherwise print log lines and snapshots. */
  readonly live: boolean;
  readonly color: boolean;
  /** Where text goes (stdout). */
  readonly write: (text: string) => void;
  /** Without live redraw: print the view this often (and at the end of each phase). */
  readonly snapshotEveryMs: number;
  /** Terminal height for the live view, which shows as many log lines as fit. */
  readonly rows?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
// Run from dist/ (.js) or from source under tsx (.ts): the helpers sit next to this file.
const ext = extname(fileURLToPath(import.meta.url));
const script = (path: string) => [process.execPath, ...process.execArgv, join(here, `${path}${ext}`)];

/** The demo's world while it runs. */
export class DemoWorld {
  state: DemoState;
  readonly agentLogs = new Map<string, string[]>();
  private topology: DemoTopology | undefined;
  private readonly agents = new Map<string, ChildProcess>();
  private readonly startedAt = performance.now();
  private redraw: NodeJS.Timeout | undefined;
  private lastSnapshotMs = 0;
  private snapshots = 0;
  private destroyed = false;
  private destroying: Promise<void> | undefined;
  /** Set when something the demo needs died on its own: every wait fails with it. */
  private failure: string | undefined;

  constructor(
    private readonly out: OutputOptions,
    private readonly timeline: Timeline,
    private readonly manifests: string,
    notes: readonly string[],
  ) {
    this.state = {
      title: 'lvs-operator demo: seed 000 (DR + VRRP + REDIRECT)',
      nowMs: 0,
      phase: 'starting',
      directors: HOSTS.filter((h) => h.role === 'director').map((h) => ({
        name: h.name,
        address: h.address,
        killed: false,
      })),
      backends: HOSTS.filter((h) => h.role === 'backend').map((h) => ({
        name: h.name,
        address: h.address,
        healthPage: 'present' as const,
      })),
      traffic: emptyTraffic(timeline.windowMs),
      log: [],
      notes,
    };
    if (out.live) this.redraw = setInterval(() => this.draw(), 500);
  }

  /** Milliseconds since the demo started. */
  now(): number {
    return performance.now() - this.startedAt;
  }

  /** Starts a phase: a heading in the log (and, without live redraw, a snapshot of the last one). */
  phase(text: string): void {
    if (!this.out.live && this.state.log.length > 0) this.snapshot();
    this.state = { ...this.state, phase: text };
    this.append({ atMs: this.now(), kind: 'phase', text });
  }

  /** Logs something that happened. */
  event(text: string): void {
    this.append({ atMs: this.now(), kind: 'event', text });
  }

  /** Logs a result of a phase. */
  result(text: string): void {
    this.append({ atMs: this.now(), kind: 'result', text });
  }

  /** Builds the namespaces and copies the manifests the agents watch. */
  async build(): Promise<DemoTopology> {
    const topology = await buildTopology();
    this.topology = topology;
    const dir = join(topology.lab.dir, 'manifests');
    await mkdir(dir, { recursive: true });
    for (const f of (await readdir(this.manifests)).filter((x) => /\.ya?ml$/.test(x))) {
      await copyFile(join(this.manifests, f), join(dir, f));
    }
    return topology;
  }

  /** Starts web servers and realserver agents on the backends, director agents and probes. */
  startProcesses(): void {
    const { lab, webRoots } = this.need();
    const manifests = join(lab.dir, 'manifests');
    for (const h of HOSTS) {
      if (h.role === 'client') continue;
      const log: string[] = [];
      this.agentLogs.set(h.name, log);
      if (h.role === 'backend') {
        lab.spawn(h.name, [...script('web-server'), '--name', h.name, '--root', webRoots.get(h.name) ?? ''], { log });
      }
      const agent = lab.spawn(
        h.name,
        [
          ...script('../cli/lvs-operator'),
          'standalone',
          '--manifests',
          manifests,
          '--role',
          h.role === 'director' ? 'director' : 'realserver',
          '--node',
          h.name,
          '--state-dir',
          join(lab.dir, h.name, 'state'),
          '--metrics-address',
          '127.0.0.1:9400',
        ],
        { log, env: { ...process.env, NO_COLOR: '1' } },
      );
      this.agents.set(h.name, agent);
      if (h.role === 'backend') {
        this.follow(agent, (line) => this.onBackendLog(h.name, line), true);
      }
      agent.once('exit', (code, signal) => {
        if (this.destroyed || this.state.directors.some((d) => d.name === h.name && d.killed)) return;
        this.failure = `the agent on ${h.name} exited (${signal ?? `code ${String(code)}`})`;
        this.event(this.failure);
      });
      if (h.role === 'director')
        this.follow(lab.spawn(h.name, [...script('probe'), '--interval-ms', '500']), (l) => this.onProbe(h.name, l));
    }
  }

  /** Starts the client's steady requests to the VIP. */
  startClient(): void {
    const child = this.need().lab.spawn('client', [
      ...script('client'),
      '--url',
      `http://${VIP}/`,
      '--rate',
      String(this.timeline.rate),
    ]);
    this.follow(child, (line) => {
      const l = parseClientLine(line);
      if (!l) return;
      const outcome = 'backend' in l ? { atMs: this.now(), backend: l.backend } : { atMs: this.now(), error: l.error };
      this.state = { ...this.state, nowMs: this.now(), traffic: recordOutcome(this.state.traffic, outcome) };
    });
  }

  /** `lvsctl ARGS` inside a node, as a user would type it there; its output, or why it failed. */
  async lvsctl(node: string, args: readonly string[]): Promise<string> {
    const r = await this.need().lab.exec(node, [...script('../cli/lvsctl'), ...args], { timeoutMs: 60_000 });
    return r.code === 0 ? r.stdout : `lvsctl failed (${r.code}): ${r.stderr.trim()}`;
  }

  /** True once destroy() began (an interrupt): waits stop and nothing more is reported. */
  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** A director dies: its agent gets SIGKILL and its link is cut, as a machine losing power. */
  async killDirector(name: string): Promise<void> {
    const agent = this.agents.get(name);
    // Marked first: the agent's exit is expected from here on.
    this.state = {
      ...this.state,
      directors: this.state.directors.map((d) => (d.name === name ? { ...d, killed: true } : d)),
    };
    if (agent?.pid !== undefined) process.kill(agent.pid, 'SIGKILL');
    await this.need().lab.setLink(name, false);
  }

  /** Renames a backend's health page away (`away` true) or back, as the seed's write-up drains. */
  async moveHealthPage(backend: string, away: boolean): Promise<void> {
    const root = this.need().webRoots.get(backend) ?? '';
    const [from, to] = away ? [HEALTH_PAGE, `${HEALTH_PAGE}.off`] : [`${HEALTH_PAGE}.off`, HEALTH_PAGE];
    await rename(join(root, from), join(root, to));
    this.state = {
      ...this.state,
      backends: this.state.backends.map((b) =>
        b.name === backend ? { ...b, healthPage: away ? ('renamed' as const) : ('present' as const) } : b,
      ),
    };
  }

  /** Waits until `condition` holds for the current state, or throws naming `what`. */
  async until<T>(condition: (s: DemoState) => T | undefined | false, what: string, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.destroyed) throw new Error('stopped');
      if (this.failure) throw new Error(`${this.failure} while waiting for ${what}`);
      const v = condition(this.state);
      if (v) return v;
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Lets traffic run for `ms`, printing snapshots when not live. */
  async hold(ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (performance.now() < end && !this.destroyed) {
      await new Promise((r) => setTimeout(r, Math.min(250, end - performance.now())));
      if (!this.out.live && this.now() - this.lastSnapshotMs >= this.out.snapshotEveryMs) this.snapshot();
    }
  }

  /** Prints the view once, in full (the end of a non-live phase, or the final screen). */
  snapshot(): void {
    this.lastSnapshotMs = this.now();
    this.state = { ...this.state, nowMs: this.now() };
    // The notes once, in the first snapshot: a CI log need not repeat them.
    const shown = this.snapshots++ === 0 ? this.state : { ...this.state, notes: [] };
    const view = renderView(shown, { color: this.out.color, logLines: 0 });
    this.out.write(`\n${view.trimEnd()}\n\n`);
  }

  /** The final screen: the view with the whole log. */
  finish(): void {
    this.stopRedraw();
    this.state = { ...this.state, nowMs: this.now() };
    if (this.out.live) this.out.write(`\x1b[H\x1b[J${renderView(this.state, { color: this.out.color })}`);
    else this.snapshot();
  }

  /** Stops every process and removes the namespaces and temp files. Safe to call twice. */
  destroy(): Promise<void> {
    this.stopRedraw();
    this.destroyed = true;
    // A second caller (the signal handler and the run's own finally) waits for the same removal.
    this.destroying ??= this.topology?.lab.destroy() ?? Promise.resolve();
    return this.destroying;
  }

  private stopRedraw(): void {
    if (this.redraw) clearInterval(this.redraw);
    this.redraw = undefined;
  }

  private need(): DemoTopology {
    if (!this.topology) throw new Error('the topology is not built');
    return this.topology;
  }

  private follow(child: ChildProcess, onLine: (line: string) => void, stderr = false): void {
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (stderr && child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
  }

  /** The realserver agent's log says when the VIP's REDIRECT rule is in place. */
  private onBackendLog(name: string, line: string): void {
    let entry: { msg?: unknown; op?: unknown; vip?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (entry.msg !== 'realserver change applied' || entry.op !== 'addRule' || entry.vip !== VIP) return;
    this.event(`${name}: REDIRECT for ${VIP} in place (realserver role)`);
    this.state = {
      ...this.state,
      backends: this.state.backends.map((b) => (b.name === name ? { ...b, acceptsVip: true } : b)),
    };
  }

  private onProbe(name: string, line: string): void {
    const snap = parseProbeLine(line);
    if (!snap) return;
    const before = this.state.directors.find((d) => d.name === name);
    if (!before || before.killed) return;
    for (const text of describeChanges(name, before.snapshot, snap)) this.event(text);
    const directors = this.state.directors.map((d): DirectorState => (d.name === name ? { ...d, snapshot: snap } : d));
    this.state = { ...this.state, nowMs: this.now(), directors };
  }

  private append(line: LogLine): void {
    this.state = { ...this.state, nowMs: this.now(), log: [...this.state.log, line] };
    if (!this.out.live) this.out.write(`${formatLogLine(line, this.out.color)}\n`);
  }

  private draw(): void {
    this.state = { ...this.state, nowMs: this.now() };
    // The log takes the rows the rest of the view leaves (a blank line and its heading too).
    // On a short terminal the notes give way to the log.
    const fit = (s: DemoState) => {
      const rest = renderView(s, { color: false, logLines: 0 }).split('\n').length;
      return this.out.rows === undefined ? 14 : this.out.rows - rest - 2;
    };
    const brief = { ...this.state, notes: [] };
    const [shown, logLines] = fit(this.state) >= 5 ? [this.state, fit(this.state)] : [brief, Math.max(2, fit(brief))];
    this.out.write(`\x1b[H\x1b[J${renderView(shown, { color: this.out.color, logLines })}`);
  }
}
