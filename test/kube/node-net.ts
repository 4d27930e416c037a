import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './cluster.js';
import { TcpProxy } from './tcp-proxy.js';

const run = promisify(execFile);

/** Runs a command, returning stdout; throws with stderr on failure. */
export async function sh(cmd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(cmd, args);
  return stdout;
}

/** Runs a command inside a network namespace. */
export function inNs(ns: string, cmd: string, ...args: string[]): Promise<string> {
  return sh('ip', 'netns', 'exec', ns, cmd, ...args);
}

/**
 * A network namespace acting as a node, linked to the host by a veth pair, with a TCP proxy on
 * the host end in front of the API server (which listens on host loopback only, out of the
 * namespace's reach). Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking), one /30 per
 * test process; nothing else is routed there.
 */
export class NodeNet {
  readonly ns: string;
  readonly hostIf: string;
  readonly hostAddress: string;
  readonly nodeAddress: string;
  /** A /24 of VIPs that exists only inside the namespace. */
  readonly vipPrefix: string;
  private proxy: TcpProxy | undefined;

  constructor(tag: string) {
    const n = process.pid % 250;
    this.ns = `lvsk-${tag}-${process.pid}`;
    this.hostIf = `lvsk${process.pid % 100000}h`;
    this.hostAddress = `198.18.${n}.1`;
    this.nodeAddress = `198.18.${n}.2`;
    this.vipPrefix = `198.19.${n}`;
  }

  /** Creates the namespace, the link and the proxy; returns a kubeconfig path for the node. */
  async start(apiPort: number, kubeconfig: string, dir: string): Promise<string> {
    await sh('ip', 'netns', 'add', this.ns);
    await sh('ip', 'link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns);
    await sh('ip', 'addr', 'add', `${this.hostAddress}/30`, 'dev', this.hostIf);
    await sh('ip', 'link', 'set', this.hostIf, 'up');
    await inNs(this.ns, 'ip', 'addr', 'add', `${this.nodeAddress}/30`, 'dev', 'eth0');
    await inNs(this.ns, 'ip', 'link', 'set', 'eth0', 'up');
    await inNs(this.ns, 'ip', 'link', 'set', 'lo', 'up');
    this.proxy = new TcpProxy(apiPort, '127.0.0.1', this.hostAddress);
    await this.proxy.start();
    const text = (await readFile(kubeconfig, 'utf8')).replace(
      /server: https:\/\/127\.0\.0\.1:\d+/,
      `server: https://${this.hostAddress}:${this.proxy.port}`,
    );
    const path = join(dir, `kubeconfig-${this.ns}`);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  }

  /** Resets every connection through the proxy: the agent's watches die mid-stream. */
  dropConnections(): void {
    this.proxy?.dropAll();
  }

  /** Removes the proxy and the namespace (the veth pair goes with it). Safe after a failed start. */
  async stop(): Promise<void> {
    await this.proxy?.close();
    await sh('ip', 'netns', 'del', this.ns).catch(() => undefined);
    await sh('ip', 'link', 'del', this.hostIf).catch(() => undefined);
  }
}

/** An lvs-operator process inside a namespace, with its stderr kept for assertions. */
export class AgentProcess {
  private readonly child: ChildProcess;
  private stderrText = '';
  readonly exited: Promise<number | null>;

  constructor(ns: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    this.child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(repoRoot, 'src/cli/lvs-operator.ts'), ...args],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, NO_COLOR: '1' } },
    );
    this.child.stderr?.on('data', (d: Buffer) => (this.stderrText += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The /metrics URL the agent logged at start. */
  get metricsUrl(): string | undefined {
    return /"metrics":"(http:\/\/[^"]+)"/.exec(this.stderrText)?.[1];
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }
}
