/**
 * The two director pairs under comparison, driven the same way: keepalived 2.2.7 (VRRP and
 * checker processes, Debian's package) and lvs-operator (`lvs-operator standalone` agents),
 * each in a fresh lab of the kernel harness with the same client, backends and addresses.
 *
 * What differs is only what each product does by itself: on keepalived's backends the VIP is
 * put on lo with the arp sysctls by hand (the seed's runbook), on ours the realserver role does
 * it; keepalived runs with the kernel's IPVS sysctls, ours with the ones it sets.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../../src/lab/netns-lab.js';
import { DR_PAIR_NODES, E2eLab } from '../../test/e2e/guest/e2e-lab.js';
import { DIRECTORS, keepalivedConf, operatorManifests, VIP, WEBS, type PairSettings } from './setup.js';

export type Implementation = 'keepalived' | 'lvs-operator';
export type Director = (typeof DIRECTORS)[number];

/** Options of one lab. */
export interface PairOptions extends PairSettings {
  /** Backends that never get the VIP (keepalived: not configured; ours: no realserver agent). */
  readonly withoutVip?: readonly string[];
}

/** One director pair with its backends and client, started and ready for traffic. */
export abstract class DirectorPair {
  protected constructor(
    readonly lab: E2eLab,
    readonly opts: PairOptions,
  ) {}

  abstract readonly name: Implementation;

  /** Starts the directors' software on `node` and waits until it runs. */
  abstract startDirector(node: Director): Promise<void>;
  /** SIGTERM to the director's software, as a service manager stops it; waits for the exit. */
  abstract stopDirector(node: Director): Promise<void>;
  /** Every process of the director killed and its link down at once. */
  abstract crashDirector(node: Director): Promise<void>;

  /** Both backends (with the VIP where the scenario gives it), then both directors. */
  async start(): Promise<void> {
    // Forwarding on, as the seed's runbook sets it on its directors: it is what lets a director
    // without the VIP route VIP traffic on to whichever MAC its ARP cache holds for the VIP.
    for (const d of DIRECTORS) await this.lab.exec1(d, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const web of Object.keys(WEBS)) await this.lab.startBackend(web);
    await this.startBackends();
    await Promise.all(DIRECTORS.map((d) => this.startDirector(d)));
  }

  protected abstract startBackends(): Promise<void>;

  /** Waits for one master holding the VIP and returns it. */
  master(timeoutMs = 30_000): Promise<Director> {
    return this.lab.waitForMaster(DIRECTORS, VIP, timeoutMs) as Promise<Director>;
  }

  other(node: Director): Director {
    return node === 'dir1' ? 'dir2' : 'dir1';
  }

  /** A backend's weight in `node`'s IPVS table, undefined when it is not there. */
  async weight(node: Director, web: keyof typeof WEBS): Promise<number | undefined> {
    const table = await this.lab.ipvsadm(node, '-Ln');
    const m = new RegExp(`-> ${WEBS[web].replaceAll('.', '\\.')}:80\\s+Route\\s+(\\d+)`).exec(table);
    return m ? Number(m[1]) : undefined;
  }

  /** Connections in `node`'s IPVS table in state ESTABLISHED. */
  async established(node: Director): Promise<number> {
    const r = await this.lab.exec(node, ['ipvsadm', '-Lnc']);
    return (r.stdout.match(/ESTABLISHED/g) ?? []).length;
  }

  destroy(): Promise<void> {
    return this.lab.destroy();
  }
}

/** keepalived 2.2.7 on both directors; the backends configured by hand. */
export class KeepalivedPair extends DirectorPair {
  readonly name = 'keepalived' as const;
  private readonly procs = new Map<Director, { proc: ChildProcess; exited: Promise<unknown> }>();
  private starts = 0;

  static async create(prefix: string, opts: PairOptions): Promise<KeepalivedPair> {
    return new KeepalivedPair(await E2eLab.create(prefix, DR_PAIR_NODES), opts);
  }

  protected async startBackends(): Promise<void> {
    for (const web of Object.keys(WEBS)) {
      if (this.opts.withoutVip?.includes(web)) continue;
      await this.lab.exec1(web, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      await this.lab.exec1(web, [
        'sysctl',
        '-qw',
        'net.ipv4.conf.all.arp_ignore=1',
        'net.ipv4.conf.all.arp_announce=2',
        'net.ipv4.conf.eth0.arp_ignore=1',
        'net.ipv4.conf.eth0.arp_announce=2',
      ]);
    }
  }

  async startDirector(node: Director): Promise<void> {
    const base = join(this.lab.lab.dir, `ka-${node}-${++this.starts}`);
    writeFileSync(`${base}.conf`, keepalivedConf(node, this.opts));
    const log: string[] = [];
    const proc = this.lab.lab.spawn(
      node,
      [
        'keepalived',
        '--dont-fork',
        '--log-console',
        '--log-detail',
        '-f',
        `${base}.conf`,
        '-p',
        `${base}.pid`,
        '-r',
        `${base}.vrrp.pid`,
        '-c',
        `${base}.checkers.pid`,
      ],
      { log },
    );
    const exited = new Promise((done) => proc.once('exit', done));
    this.procs.set(node, { proc, exited });
    // Running once its checker has written the virtual service into the kernel.
    await waitFor(async () => (await this.lab.ipvsadm(node, '-Ln')).includes(`TCP  ${VIP}:80 rr`), {
      what: `keepalived on ${node} programs IPVS`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }

  async stopDirector(node: Director): Promise<void> {
    const p = this.procs.get(node);
    if (!p) return;
    p.proc.kill('SIGTERM');
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 30_000))]);
    this.procs.delete(node);
  }

  async crashDirector(node: Director): Promise<void> {
    await this.lab.lab.setLink(node, false);
    // The parent and its VRRP and checker children: a child whose parent dies alone leaves
    // gracefully, which is not a crash.
    const ns = this.lab.lab.node(node).netns;
    const pids = (await this.lab.exec(node, ['ip', 'netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean);
    const kept: string[] = [];
    for (const pid of pids) {
      const comm = (await this.lab.exec(node, ['cat', `/proc/${pid}/comm`])).stdout.trim();
      if (comm === 'keepalived') kept.push(pid);
    }
    if (kept.length > 0) await this.lab.exec(node, ['kill', '-9', ...kept]);
    const p = this.procs.get(node);
    if (p) await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
    this.procs.delete(node);
  }
}

/** lvs-operator standalone agents: directors on dir1/dir2, the realserver role on the backends. */
export class OperatorPair extends DirectorPair {
  readonly name = 'lvs-operator' as const;

  static async create(prefix: string, opts: PairOptions): Promise<OperatorPair> {
    const lab = await E2eLab.create(prefix, DR_PAIR_NODES);
    lab.writeManifest('failover.yaml', operatorManifests(opts));
    return new OperatorPair(lab, opts);
  }

  protected async startBackends(): Promise<void> {
    const agents = Object.keys(WEBS).filter((w) => !this.opts.withoutVip?.includes(w));
    await Promise.all(agents.map((w) => this.lab.startAgent(w, 'realserver')));
  }

  async startDirector(node: Director): Promise<void> {
    await this.lab.startAgent(node, 'director');
  }

  stopDirector(node: Director): Promise<void> {
    return this.lab.stopAgent(node, 'SIGTERM');
  }

  crashDirector(node: Director): Promise<void> {
    return this.lab.crash(node);
  }
}

/** Creates the pair of `impl` in a fresh lab. */
export function createPair(impl: Implementation, prefix: string, opts: PairOptions): Promise<DirectorPair> {
  return impl === 'keepalived' ? KeepalivedPair.create(prefix, opts) : OperatorPair.create(prefix, opts);
}
