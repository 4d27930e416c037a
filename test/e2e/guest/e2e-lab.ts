/**
 * The lab every end-to-end test builds inside the kernel harness: one bridge, node namespaces
 * on it (client, directors, backends), a manifest folder shared by the agents, our agents as
 * real processes (`lvs-operator standalone`), real HTTP backends and a real HTTP client.
 *
 * Every process is started through the NetnsLab, so `destroy()` kills it even when a test
 * fails; the guest kernel powers off afterwards anyway.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NetnsLab, waitFor, type ExecResult } from '../../../src/lab/netns-lab.js';
import type { Summary as TrafficSummary } from './traffic-client.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const OPERATOR = join(repoRoot, 'dist/src/cli/lvs-operator.js');
const LVSCTL = join(repoRoot, 'dist/src/cli/lvsctl.js');
const BACKEND = join(repoRoot, 'test/e2e/guest/http-backend.ts');
const CLIENT = join(repoRoot, 'test/e2e/guest/traffic-client.ts');

/** What traffic-client.ts prints. */
export type { TrafficSummary };

/** A running traffic-client.ts; `stop()` ends it and returns its summary. */
export interface Traffic {
  stop(): Promise<TrafficSummary>;
}

/** One running agent. */
export interface Agent {
  readonly node: string;
  readonly role: 'director' | 'realserver' | 'both';
  readonly proc: ChildProcess;
  readonly log: string[];
  readonly exited: Promise<number | null>;
}

/** Kernel modules a lab needs in user-mode-linux (no autoload there). */
export const LAB_MODULES = [
  'veth',
  'bridge',
  'dummy',
  'ip_vs_rr',
  'ip_vs_wlc',
  'ip_vs_lc',
  'nf_conntrack',
  'nf_nat',
  'iptable_nat',
  'iptable_filter',
  'xt_REDIRECT',
  'xt_tcpudp',
  'xt_statistic',
] as const;

/**
 * The one-segment DR topology of seed 001, shared by the failover, restart and soak runs: a
 * client, two directors and two web backends on 10.0.0.0/24.
 */
export const DR_PAIR_NODES: Readonly<Record<string, string>> = {
  client: '10.0.0.100/24',
  dir1: '10.0.0.2/24',
  dir2: '10.0.0.3/24',
  web1: '10.0.0.5/24',
  web2: '10.0.0.6/24',
};

/** The VIP of the {@link DR_PAIR_NODES} segment. */
export const DR_PAIR_VIP = '10.0.0.1';

/**
 * The VrrpGroup `vi` of the DR pair (both directors BACKUP, priority 100, nopreempt, the VIP on
 * eth0); `spec` adds to or overrides those settings.
 */
export function drPairGroup(spec: Record<string, unknown>): object {
  return {
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VrrpGroup',
    metadata: { name: 'vi' },
    spec: {
      interface: 'eth0',
      priority: 100,
      preempt: false,
      virtualIPs: [{ address: `${DR_PAIR_VIP}/24` }],
      ...spec,
    },
  };
}

/**
 * The VirtualServer `web` of the DR pair: the VIP's port 80, TCP rr DR, following group `vi`;
 * `spec` adds the real servers and anything else.
 */
export function drPairService(spec: Record<string, unknown>): object {
  return {
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name: 'web' },
    spec: {
      addresses: [{ ip: DR_PAIR_VIP, port: 80 }],
      protocol: 'TCP',
      scheduler: 'rr',
      forwarding: 'DR',
      vrrpGroupRef: { name: 'vi' },
      ...spec,
    },
  };
}

export class E2eLab {
  readonly manifests: string;
  private readonly agents = new Map<string, Agent>();
  private readonly logDir: string | undefined;

  private constructor(readonly lab: NetnsLab) {
    this.manifests = join(lab.dir, 'manifests');
    mkdirSync(this.manifests, { recursive: true });
    // LVS_E2E_LOGS: a directory shared with the host (run.sh --share) to keep the agents' logs.
    const logs = process.env['LVS_E2E_LOGS'];
    this.logDir = logs ? join(logs, lab.prefix.replace(/-$/, '')) : undefined;
    if (this.logDir) mkdirSync(this.logDir, { recursive: true });
  }

  /** Loads the modules and creates the bridge and one namespace per node (`name → a.b.c.d/len`). */
  static async create(prefix: string, nodes: Record<string, string>): Promise<E2eLab> {
    // Inside user-mode-linux modules come from the UML tree (run.sh --modules loads them too).
    if (process.env['LVS_IN_UML']) {
      for (const m of LAB_MODULES) execFileSync('modprobe', ['-d', '/run/modroot', m], { stdio: 'ignore' });
      // A backend with an iptables REDIRECT tracks every connection, and the guest's 1 GiB gives
      // nf_conntrack_max 8192 with 120 s in TIME_WAIT: a few hundred new connections a second
      // fill it in under a minute, and then new connections are dropped ("table full"). The
      // limit is global (the guest's root namespace), so it is raised only inside the guest,
      // as the seed 000 write-up does on its hosts.
      execFileSync('sysctl', ['-qw', 'net.netfilter.nf_conntrack_max=262144']);
    }
    const lab = new E2eLab(await NetnsLab.create(prefix));
    for (const [name, ipv4] of Object.entries(nodes)) {
      await lab.lab.addNode(name, { ipv4 });
      // The kernel default; a director's sync daemon and NAT need nothing else.
      await lab.exec1(name, ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']);
    }
    return lab;
  }

  exec(node: string, argv: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
    return this.lab.exec(node, argv, { timeoutMs });
  }

  exec1(node: string, argv: readonly string[]): Promise<string> {
    return this.lab.exec1(node, argv);
  }

  /** Writes (or replaces) one manifest file; the agents watch the folder. */
  writeManifest(file: string, yaml: string): void {
    const tmp = join(this.manifests, `.${file}.tmp`);
    writeFileSync(tmp, yaml);
    renameSync(tmp, join(this.manifests, file));
  }

  /** Starts an HTTP backend in `node` on port 80 and waits for it; returns its docroot. */
  async startBackend(node: string, name = node, port = 80): Promise<string> {
    const docroot = join(this.lab.dir, `www-${node}`);
    mkdirSync(docroot, { recursive: true });
    writeFileSync(join(docroot, 'health_check.html'), 'ok\n');
    const log: string[] = [];
    this.lab.spawn(node, [process.execPath, BACKEND, name, docroot, String(port)], { log });
    await waitFor(() => log.includes('listening'), { what: `backend ${name} listening`, timeoutMs: 30_000 });
    return docroot;
  }

  /**
   * Starts the DR pair of {@link DR_PAIR_NODES} on the manifests written so far: both web
   * servers, their realserver agents, then both directors.
   */
  async startDrPair(): Promise<void> {
    await this.startBackend('web1');
    await this.startBackend('web2');
    await Promise.all([this.startAgent('web1', 'realserver'), this.startAgent('web2', 'realserver')]);
    await Promise.all(['dir1', 'dir2'].map((d) => this.startAgent(d, 'director')));
  }

  /** Starts `lvs-operator standalone` in `node` with its own state dir; waits for /readyz. */
  async startAgent(node: string, role: Agent['role'], opts: { logLevel?: string } = {}): Promise<Agent> {
    const stateDir = join(this.lab.dir, `state-${node}`);
    const log: string[] = [];
    const proc = this.lab.spawn(
      node,
      [
        process.execPath,
        OPERATOR,
        'standalone',
        '--manifests',
        this.manifests,
        '--role',
        role,
        '--node',
        node,
        '--state-dir',
        stateDir,
        '--metrics-address',
        '127.0.0.1:9400',
        '--log-level',
        opts.logLevel ?? 'info',
      ],
      { log },
    );
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    const agent: Agent = { node, role, proc, log, exited };
    this.agents.set(node, agent);
    await waitFor(async () => (await this.exec(node, ['curl', '-sf', 'http://127.0.0.1:9400/readyz'])).code === 0, {
      what: `agent ${node} ready`,
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    return agent;
  }

  agent(node: string): Agent {
    const a = this.agents.get(node);
    if (!a) throw new Error(`no agent on ${node}`);
    return a;
  }

  /** Sends `signal` to a node's agent and waits for it to exit. */
  async stopAgent(node: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const a = this.agent(node);
    if (a.proc.pid !== undefined && a.proc.exitCode === null) a.proc.kill(signal);
    await Promise.race([a.exited, new Promise((r) => setTimeout(r, 30_000))]);
    this.saveLog(a);
    this.agents.delete(node);
  }

  hasAgent(node: string): boolean {
    return this.agents.has(node);
  }

  /**
   * A node crash: its agent is SIGKILLed and its link goes down at once, so the kernel state
   * it leaves behind (VIP, IPVS table) no longer carries traffic, as when the machine dies.
   */
  async crash(node: string): Promise<void> {
    await Promise.all([this.lab.setLink(node, false), this.stopAgent(node, 'SIGKILL')]);
  }

  /** The crashed node's link comes back (its agent is started again separately). */
  async revive(node: string): Promise<void> {
    await this.lab.setLink(node, true);
  }

  /** The director namespaces whose eth0 holds `vip`. */
  async holders(nodes: readonly string[], vip: string): Promise<string[]> {
    const out: string[] = [];
    for (const n of nodes) {
      if ((await this.lab.addresses(n)).some((a) => a.startsWith(`${vip}/`))) out.push(n);
    }
    return out;
  }

  /** Waits until exactly one of `nodes` holds `vip` and returns it. */
  async waitForMaster(nodes: readonly string[], vip: string, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      async () => {
        const h = await this.holders(nodes, vip);
        return h.length === 1 ? h[0] : undefined;
      },
      { what: `one holder of ${vip}`, timeoutMs, intervalMs: 50 },
    );
  }

  /** N requests from `node`, each on a new connection. */
  async burst(node: string, host: string, port: number, n: number): Promise<TrafficSummary> {
    const r = await this.exec(node, [process.execPath, CLIENT, 'burst', host, String(port), String(n)], 120_000);
    return parseSummary(r.stdout, r.stderr);
  }

  /**
   * Starts traffic from `node` (`load`: C loops of new connections; `long`: C keep-alive
   * connections, a request every `ms`; `pace`: C streams each opening a new connection every `ms`).
   */
  async traffic(
    node: string,
    mode: 'load' | 'long' | 'pace',
    host: string,
    port: number,
    c: number,
    ms = 100,
    timeoutMs?: number,
  ): Promise<Traffic> {
    const log: string[] = [];
    const argv = [process.execPath, CLIENT, mode, host, String(port), String(c), String(ms)];
    const proc = this.lab.spawn(node, timeoutMs === undefined ? argv : [...argv, String(timeoutMs)], { log });
    await waitFor(() => log.includes('started'), { what: 'traffic started', timeoutMs: 30_000 });
    return {
      stop: async () => {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
        return parseSummary(log.join('\n'), '');
      },
    };
  }

  /**
   * `iptables -t nat -S` in a node, through iptables-legacy where the distribution's iptables
   * (iptables-nft) cannot run, as in the user-mode-linux kernel.
   */
  async natRules(node: string): Promise<string> {
    const r = await this.exec(node, ['iptables', '-w', '-t', 'nat', '-S']);
    return r.code === 0 ? r.stdout : this.exec1(node, ['iptables-legacy', '-w', '-t', 'nat', '-S']);
  }

  ipvsadm(node: string, ...args: string[]): Promise<string> {
    return this.exec1(node, ['ipvsadm', ...args]);
  }

  lvsctl(node: string, ...args: string[]): Promise<string> {
    return this.exec1(node, [process.execPath, LVSCTL, ...args]);
  }

  /** Keeps an agent's log in LVS_E2E_LOGS when set. */
  private saveLog(a: Agent): void {
    if (this.logDir) appendFileSync(join(this.logDir, `${a.node}.log`), `${a.log.join('\n')}\n--- stopped\n`);
  }

  /** The last lines an agent logged, for failure messages. */
  tail(node: string, lines = 40): string {
    return (this.agents.get(node)?.log ?? []).slice(-lines).join('\n');
  }

  async destroy(): Promise<void> {
    for (const a of this.agents.values()) this.saveLog(a);
    this.agents.clear();
    await this.lab.destroy();
  }
}

function parseSummary(stdout: string, stderr: string): TrafficSummary {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`traffic client printed no summary: ${stdout} ${stderr}`);
  return JSON.parse(line) as TrafficSummary;
}

/** A YAML document list from objects (JSON is YAML). */
export function manifest(...objects: object[]): string {
  return objects.map((o) => JSON.stringify(o, null, 2)).join('\n---\n');
}
