/**
 * Network-namespace labs for tests that need root: a bridge namespace joining node namespaces
 * through veth pairs, command execution inside a namespace, background processes that are
 * always killed, and waiting on a condition with a deadline (never a sleep to synchronise).
 *
 *   const lab = await NetnsLab.create('lvs-vrrp-');        // unique names: lvs-vrrp-<id>-<node>
 *   const a = await lab.addNode('a', { ipv4: '10.77.0.1/24' });
 *   await lab.exec('a', ['ip', 'addr']);
 *   const p = lab.spawn('a', ['keepalived', ...]);         // killed by lab.destroy()
 *   await waitFor(async () => (await lab.exec('a', [...])).stdout.includes('x'), { what: 'x' });
 *   await lab.destroy();                                    // in afterAll, even on failure
 *
 * Inside every node the veth end is `eth0`; its peer in the bridge namespace is `v<n>`.
 */
import { spawn as spawnChild, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Outcome of a command. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv on the host (no shell). Never rejects; check `code`. */
export function run(argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = execFile(
      file ?? 'false',
      args,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs argv and throws with its stderr when it fails. */
export async function runOk(argv: readonly string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Polls `condition` until it returns a truthy value or the deadline passes; returns that value
 * or throws naming `what`. The only way tests wait.
 */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = performance.now() + (opts.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/** A node of a lab. */
export interface LabNode {
  readonly name: string;
  readonly netns: string;
  /** Interface inside the node. */
  readonly iface: 'eth0';
  /** The veth peer in the bridge namespace. */
  readonly bridgePort: string;
  readonly mac: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** A bridge namespace and its nodes. */
export class NetnsLab {
  readonly bridgeNs: string;
  readonly dir: string;
  private readonly nodes = new Map<string, LabNode>();
  private readonly procs = new Set<ChildProcess>();
  private count = 0;

  private constructor(readonly prefix: string) {
    this.bridgeNs = `${prefix}br`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}`));
  }

  /** Creates the bridge namespace; names start with `prefix` plus a random id. */
  static async create(prefix: string): Promise<NetnsLab> {
    const lab = new NetnsLab(`${prefix}${randomBytes(3).toString('hex')}-`);
    await runOk(['ip', 'netns', 'add', lab.bridgeNs]);
    await lab.exec1(lab.bridgeNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    await lab.exec1(lab.bridgeNs, ['ip', 'link', 'set', 'br0', 'up']);
    return lab;
  }

  /** A node namespace with `eth0` on the bridge, optional addresses and a fixed MAC. */
  async addNode(name: string, opts: { ipv4?: string; ipv6?: string } = {}): Promise<LabNode> {
    const n = ++this.count;
    const netns = `${this.prefix}${name}`;
    const port = `v${n}`;
    const mac = `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
    await runOk(['ip', 'netns', 'add', netns]);
    await this.exec1(this.bridgeNs, [
      'ip',
      'link',
      'add',
      port,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      netns,
    ]);
    await this.exec1(this.bridgeNs, ['ip', 'link', 'set', port, 'master', 'br0', 'up']);
    await this.exec1(netns, ['ip', 'link', 'set', 'lo', 'up']);
    await this.exec1(netns, ['ip', 'link', 'set', 'eth0', 'address', mac]);
    await this.exec1(netns, ['sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
    await this.exec1(netns, ['ip', 'link', 'set', 'eth0', 'up']);
    if (opts.ipv4) await this.exec1(netns, ['ip', 'addr', 'add', opts.ipv4, 'dev', 'eth0']);
    if (opts.ipv6) await this.exec1(netns, ['ip', 'addr', 'add', opts.ipv6, 'dev', 'eth0', 'nodad']);
    const node: LabNode = {
      name,
      netns,
      iface: 'eth0',
      bridgePort: port,
      mac,
      ...(opts.ipv4 ? { ipv4: opts.ipv4.split('/')[0] ?? '' } : {}),
      ...(opts.ipv6 ? { ipv6: opts.ipv6.split('/')[0] ?? '' } : {}),
    };
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): LabNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Runs argv inside a node (by node name) or a namespace (by full name). */
  exec(where: string, argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const netns = this.nodes.get(where)?.netns ?? where;
    return run(['ip', 'netns', 'exec', netns, ...argv], opts);
  }

  /** Like exec, throwing on failure; returns stdout. */
  async exec1(where: string, argv: readonly string[]): Promise<string> {
    const r = await this.exec(where, argv);
    if (r.code !== 0) throw new Error(`[${where}] ${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Starts a background process inside a node; it is killed (SIGKILL, whole group) by destroy(). */
  spawn(where: string, argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; log?: string[] } = {}): ChildProcess {
    const netns = this.nodes.get(where)?.netns ?? where;
    const child = spawnChild('ip', ['netns', 'exec', netns, ...argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const sink = opts.log;
    const collect = (b: Buffer) => {
      if (sink)
        sink.push(
          ...b
            .toString()
            .split('\n')
            .filter((l) => l.length > 0),
        );
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.procs.add(child);
    child.once('exit', () => this.procs.delete(child));
    return child;
  }

  /** Addresses on a node's interface, `ip -j addr` parsed to `address/prefix` strings. */
  async addresses(where: string, iface = 'eth0'): Promise<string[]> {
    const out = await this.exec1(where, ['ip', '-j', 'addr', 'show', 'dev', iface]);
    const parsed = JSON.parse(out) as { addr_info?: { local: string; prefixlen: number }[] }[];
    return (parsed[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }

  /** The MAC a node's neighbour table holds for `address`, or undefined. */
  async neighbour(where: string, address: string): Promise<string | undefined> {
    const out = await this.exec1(where, ['ip', '-j', 'neigh', 'show', address, 'dev', 'eth0']);
    const parsed = JSON.parse(out || '[]') as { lladdr?: string }[];
    return parsed[0]?.lladdr;
  }

  /**
   * Random loss on a node's link, both directions, as tc netem would do (netem is often not
   * built): iptables `statistic` rules in the node namespace. `fraction` 0 removes them.
   */
  async setLoss(where: string, fraction: number): Promise<void> {
    for (const chain of ['INPUT', 'OUTPUT']) {
      await this.exec(where, ['iptables', '-F', chain]);
      if (fraction <= 0) continue;
      const dir = chain === 'INPUT' ? '-i' : '-o';
      await this.exec1(where, [
        'iptables',
        '-A',
        chain,
        dir,
        'eth0',
        '-m',
        'statistic',
        '--mode',
        'random',
        '--probability',
        String(fraction),
        '-j',
        'DROP',
      ]);
    }
  }

  /** Sets the bridge-side end of a node's link down or up (carrier loss inside the node). */
  async setLink(where: string, up: boolean): Promise<void> {
    await this.exec1(this.bridgeNs, ['ip', 'link', 'set', this.node(where).bridgePort, up ? 'up' : 'down']);
  }

  /** Kills every process, deletes every namespace and the temp dir. Safe to call twice. */
  async destroy(): Promise<void> {
    for (const p of this.procs) {
      if (p.pid !== undefined) {
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.procs.clear();
    for (const n of [...this.nodes.values()].map((x) => x.netns).concat(this.bridgeNs)) {
      // Processes a test started in the namespace by other means (keepalived forks) die too.
      const pids = await run(['ip', 'netns', 'pids', n]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run(['ip', 'netns', 'del', n]);
    }
    this.nodes.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
