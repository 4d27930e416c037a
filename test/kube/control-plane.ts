import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the binaries are: the directory printed by hack/kube/build.sh. */
export interface ControlPlaneBinaries {
  readonly kubeApiserver: string;
  readonly etcd: string;
}

/** What a test needs to reach the API server. */
export interface ControlPlaneEndpoint {
  readonly server: string;
  readonly token: string;
  readonly kubeconfigPath: string;
}

/**
 * etcd and kube-apiserver on 127.0.0.1 with random free ports, a static token for an admin in
 * system:masters, service-account keys made at start and a kubeconfig, all in one temp dir.
 * The API server can be stopped and started again on the same ports and etcd, which is how
 * the informer tests simulate an API server restart.
 */
export class ControlPlane {
  private dir = '';
  private etcd: ChildProcess | undefined;
  private apiserver: ChildProcess | undefined;
  private etcdPort = 0;
  private apiPort = 0;
  private readonly token = randomBytes(24).toString('hex');
  /** Last resort when the test process exits without teardown (a killed run). */
  private readonly killOnExit = () => {
    this.etcd?.kill('SIGKILL');
    this.apiserver?.kill('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(private readonly bin: ControlPlaneBinaries) {}

  /** The kubeconfig and token; valid after {@link start}. */
  get endpoint(): ControlPlaneEndpoint {
    return {
      server: `https://127.0.0.1:${this.apiPort}`,
      token: this.token,
      kubeconfigPath: join(this.dir, 'kubeconfig'),
    };
  }

  /** The temp dir with the logs (etcd.log, kube-apiserver.log). */
  get directory(): string {
    return this.dir;
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'lvs-kube-'));
    process.once('exit', this.killOnExit);
    this.etcdPort = await freePort();
    const peerPort = await freePort();
    this.apiPort = await freePort();
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(this.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(this.dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(join(this.dir, 'tokens.csv'), `${this.token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    await writeFile(join(this.dir, 'kubeconfig'), kubeconfigYaml(this.endpoint.server, this.token), { mode: 0o600 });

    const etcdUrl = `http://127.0.0.1:${this.etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    this.etcd = this.spawnLogged('etcd', this.bin.etcd, [
      '--name=test',
      `--data-dir=${join(this.dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      '--listen-metrics-urls=',
      '--log-level=warn',
    ]);
    await waitFor('etcd health', 30_000, () => httpOk(`${etcdUrl}/health`));
    await this.startApiServer();
  }

  /** Starts the API server (again) on the same port, etcd and keys. */
  async startApiServer(): Promise<void> {
    const etcdUrl = `http://127.0.0.1:${this.etcdPort}`;
    this.apiserver = this.spawnLogged('kube-apiserver', this.bin.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${this.apiPort}`,
      `--cert-dir=${join(this.dir, 'certs')}`,
      `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      // As kubeadm and kind set it: the chart's realserver DaemonSet may be privileged.
      '--allow-privileged=true',
      `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/24',
      '--profiling=false',
      '--v=1',
    ]);
    await waitFor('kube-apiserver /readyz', 120_000, () => this.readyz());
  }

  /** Stops the API server only (SIGTERM, then SIGKILL); etcd keeps the data. */
  async stopApiServer(): Promise<void> {
    await stopProcess(this.apiserver);
    this.apiserver = undefined;
  }

  /** Stops everything and removes the temp dir; safe to call after a failed start. */
  async stop(opts: { keepDir?: boolean } = {}): Promise<void> {
    await stopProcess(this.apiserver);
    await stopProcess(this.etcd);
    this.apiserver = undefined;
    this.etcd = undefined;
    process.removeListener('exit', this.killOnExit);
    if (this.dir && !opts.keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  private async readyz(): Promise<boolean> {
    if (!this.apiserver || this.apiserver.exitCode !== null) {
      throw new Error(`kube-apiserver exited; see ${join(this.dir, 'kube-apiserver.log')}`);
    }
    return httpOk(`${this.endpoint.server}/readyz`, this.token);
  }

  private spawnLogged(name: string, file: string, args: string[]): ChildProcess {
    const out = createWriteStream(join(this.dir, `${name}.log`), { flags: 'a' });
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.on('error', (err) => out.write(`spawn error: ${String(err)}\n`));
    return child;
  }
}

function kubeconfigYaml(server: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${server}`,
    // The API server signs its own serving certificate at start (--cert-dir).
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: test',
    '  context: {cluster: test, user: admin}',
    'current-context: test',
    '',
  ].join('\n');
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const insecure = new Agent({ rejectUnauthorized: false });

async function httpOk(url: string, token?: string): Promise<boolean> {
  if (url.startsWith('http:')) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }
  return new Promise((resolve) => {
    const req = request(
      url,
      { agent: insecure, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Polls `check` until it is true; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
