/**
 * A lab for the health checkers: a backend namespace (on test/support/netns.ts's bridge) with
 * HTTP, HTTPS (certificate from a CA made here with openssl), TCP, SMTP and UDP echo servers
 * and dnsmasq, reachable from the test process through a veth pair from the host into the
 * bridge. Traffic stays between the host end of that pair and the namespaces made here: the
 * host routes one more prefix (198.19.X.0/24) to the backend, which answers it with ICMP
 * unreachable.
 *
 *   const lab = await HealthLab.create({ addresses: 10 });
 *   lab.backendIp(0)           // 198.18.X.10, the first backend address
 *   await lab.destroy();       // in afterAll: kills everything, deletes namespaces and files
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { NetnsLab, run, runOk, waitFor } from './netns.js';

const SERVER = fileURLToPath(new URL('../fixtures/health/backend-server.ts', import.meta.url));

export interface HealthLabOptions {
  /** Addresses on the backend (10 for the dedup test); default 1. */
  readonly addresses?: number;
  /** Each address serves its own docroot/<address>/ (several real servers on one backend). */
  readonly perAddress?: boolean;
  /** Extra HTTP listeners on ports 8000.. (benchmark). */
  readonly extraHttpPorts?: number;
  /** Print a line per HTTP request (for counting probes at the server). */
  readonly logHits?: boolean;
  /** The backend prints the connections it accepted each second (benchmark). */
  readonly reportRate?: boolean;
  /** Start dnsmasq; default true. */
  readonly dns?: boolean;
}

/** The page every backend address serves (seed 000's /health_check.html). */
export const HEALTH_PAGE = 'health_check.html';

export class HealthLab {
  /** Lines the backend server printed (HIT lines when logHits). */
  readonly serverLog: string[] = [];
  readonly docroot: string;
  readonly caFile: string;
  readonly wrongCaFile: string;
  private server: ChildProcess | undefined;

  private constructor(
    readonly netns: NetnsLab,
    readonly subnet: string,
    readonly hostIf: string,
    private readonly count: number,
  ) {
    this.docroot = join(netns.dir, 'docroot');
    this.caFile = join(netns.dir, 'ca.crt');
    this.wrongCaFile = join(netns.dir, 'other-ca.crt');
  }

  /** The i-th backend address (198.18.X.10 + i). */
  backendIp(i = 0): string {
    return `${this.subnet}.${10 + i}`;
  }

  /** 198.19.X: the prefix the backend routes as unreachable. */
  private get unreachablePrefix(): string {
    return this.subnet.replace(/^198\.18\./, '198.19.');
  }

  /** An address whose packets the backend answers with ICMP host unreachable. */
  get unreachableIp(): string {
    return `${this.unreachablePrefix}.1`;
  }

  /** The document root of the i-th address when the lab serves one per address. */
  docrootOf(i: number): string {
    return join(this.docroot, this.backendIp(i));
  }

  /**
   * An address of the subnet where nothing answers: probes time out while ARP is unresolved.
   * Once the kernel marks the neighbour failed (about 3 s), sends fail at once with
   * EHOSTUNREACH, so each test case takes an address of its own (`n` from 0 to 9).
   */
  silentIp(n = 0): string {
    return `${this.subnet}.${240 + n}`;
  }

  /** The host end's address, the source of every probe. */
  get hostIp(): string {
    return `${this.subnet}.1`;
  }

  static async create(opts: HealthLabOptions = {}): Promise<HealthLab> {
    const netns = await NetnsLab.create('lvs-hc-');
    const subnet = `198.18.${randomInt(1, 255)}`;
    const lab = new HealthLab(netns, subnet, `lvshc${randomBytes(3).toString('hex')}`, opts.addresses ?? 1);
    try {
      await lab.build(opts);
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  private async build(opts: HealthLabOptions): Promise<void> {
    const { netns, subnet, hostIf } = this;
    await runOk(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'hc0', 'netns', netns.bridgeNs]);
    await netns.exec1(netns.bridgeNs, ['ip', 'link', 'set', 'hc0', 'master', 'br0', 'up']);
    await runOk(['ip', 'addr', 'add', `${subnet}.1/24`, 'dev', hostIf]);
    await runOk(['ip', 'link', 'set', hostIf, 'up']);
    await netns.addNode('backend', { ipv4: `${subnet}.10/24` });
    // A second prefix routed to the backend, which answers it with ICMP unreachable.
    await runOk(['ip', 'route', 'add', `${this.unreachablePrefix}.0/24`, 'via', `${subnet}.10`, 'dev', hostIf]);
    await netns.exec1('backend', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await netns.exec1('backend', ['ip', 'route', 'add', 'unreachable', `${this.unreachablePrefix}.0/24`]);
    for (let i = 1; i < this.count; i++) {
      await netns.exec1('backend', ['ip', 'addr', 'add', `${subnet}.${10 + i}/24`, 'dev', 'eth0']);
    }
    // docroot/ for the server as a whole, docroot/<address>/ for each address on its own.
    for (const dir of [this.docroot, ...Array.from({ length: this.count }, (_, i) => this.docrootOf(i))]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, HEALTH_PAGE), '<html>OK healthy</html>\n');
      writeFileSync(join(dir, 'index.html'), '<html>index</html>\n');
    }
    await this.makeCertificates();
    this.server = netns.spawn(
      'backend',
      [
        process.execPath,
        '--no-warnings',
        SERVER,
        JSON.stringify({
          docroot: this.docroot,
          cert: join(netns.dir, 'server.crt'),
          key: join(netns.dir, 'server.key'),
          logHits: opts.logHits ?? false,
          extraHttpPorts: opts.extraHttpPorts ?? 0,
          perAddress: opts.perAddress ?? false,
          reportRate: opts.reportRate ?? false,
        }),
      ],
      { log: this.serverLog },
    );
    if (opts.dns !== false) {
      netns.spawn('backend', [
        'dnsmasq',
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--no-resolv',
        '--no-hosts',
        '--pid-file=',
        '--user=root',
        '--bind-interfaces',
        `--listen-address=${this.backendIp(0)}`,
        `--host-record=up.test,${this.backendIp(0)}`,
        // Local-only domain: a type without a record is answered NOERROR with no answer.
        '--local=/test/',
      ]);
    }
    await waitFor(() => this.serverLog.includes('READY'), { what: 'backend servers', timeoutMs: 20_000 });
  }

  private async makeCertificates(): Promise<void> {
    const dir = this.netns.dir;
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    for (const name of ['ca', 'other-ca']) {
      await runOk([
        'openssl',
        'req',
        '-x509',
        ...ec,
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.crt`),
        '-days',
        '2',
        '-subj',
        `/CN=lvs-hc ${name}`,
      ]);
    }
    const ext = join(dir, 'server.ext');
    writeFileSync(ext, `subjectAltName=DNS:backend.test,IP:${this.backendIp(0)}\n`);
    await runOk([
      'openssl',
      'req',
      ...ec,
      '-keyout',
      join(dir, 'server.key'),
      '-out',
      join(dir, 'server.csr'),
      '-subj',
      '/CN=backend.test',
    ]);
    await runOk([
      'openssl',
      'x509',
      '-req',
      '-in',
      join(dir, 'server.csr'),
      '-CA',
      join(dir, 'ca.crt'),
      '-CAkey',
      join(dir, 'ca.key'),
      '-CAcreateserial',
      '-out',
      join(dir, 'server.crt'),
      '-days',
      '2',
      '-extfile',
      ext,
    ]);
  }

  /** Runs a command in the backend namespace, throwing on failure. */
  backend(argv: readonly string[]): Promise<string> {
    return this.netns.exec1('backend', argv);
  }

  /** Process id of the backend server (for its CPU use in benchmarks). */
  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  /**
   * Connections per second the backend accepted, averaged over the RATE lines printed from
   * line `fromLine` of the server log on (needs `reportRate`).
   */
  acceptRate(fromLine: number): number {
    const rates = this.serverLog
      .slice(fromLine)
      .filter((l) => l.startsWith('RATE '))
      .map((l) => Number(l.slice(5)));
    return rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : NaN;
  }

  /** HIT lines the server printed for a path, per local address. */
  hits(path: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const line of this.serverLog) {
      const [tag, addr, p] = line.split(' ');
      if (tag !== 'HIT' || p !== path || addr === undefined) continue;
      const ip = addr.replace(/^::ffff:/, '');
      counts.set(ip, (counts.get(ip) ?? 0) + 1);
    }
    return counts;
  }

  /** Kills the servers, deletes the namespaces (the host veth goes with its peer) and files. */
  async destroy(): Promise<void> {
    this.server = undefined;
    await this.netns.destroy();
    await run(['ip', 'link', 'del', this.hostIf]);
  }
}
