/**
 * VRRP peers for the netns tests and bench/vrrp: our speaker (dist/src/cli/vrrp-speaker-main.js,
 * run with this Node in a namespace, from VrrpGroup manifests) and keepalived 2.2.7, each with
 * its own configuration in the lab's temp dir, plus observers (who holds a VIP).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { API_VERSION, formatDurationMs, SECRET_TYPE, type VrrpGroupSpecSchema } from '../../src/api/index.js';
import { run, waitFor, type NetnsLab } from '../support/netns.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The built entry point; `npm run build` makes it. */
export const STANDALONE_MAIN = `${root}dist/src/cli/vrrp-speaker-main.js`;

/**
 * How to run the speaker: the built dist/ (what CI runs), or the sources through tsx when
 * LVS_VRRP_FROM_SOURCE=1 (while editing, without a build).
 */
function speakerCommand(): string[] {
  if (process.env['LVS_VRRP_FROM_SOURCE'] === '1') {
    return [process.execPath, '--import', 'tsx', `${root}src/cli/vrrp-speaker-main.ts`];
  }
  if (!existsSync(STANDALONE_MAIN)) throw new Error(`${STANDALONE_MAIN} is missing: run npm run build`);
  return [process.execPath, STANDALONE_MAIN];
}

/** Distinguishes the files of successive starts (keepalived refuses a pid file in use). */
let started = 0;

/** One side's VRRP settings, shared by both implementations. */
export interface PeerOptions {
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly priority: number;
  readonly advertIntervalMs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs?: number;
  readonly password?: string;
  readonly vips: readonly string[];
  readonly unicastPeers?: readonly string[];
  readonly unicastSrc?: string;
  readonly garpDelayMs?: number;
  readonly garpRepeat?: number;
  readonly iface?: string;
}

/**
 * More VrrpGroup spec fields for our speaker (acceptMode, trackScripts, ...), as a user writes
 * them; they override what PeerOptions map to.
 */
export type GroupSpecExtra = Partial<z.input<typeof VrrpGroupSpecSchema>>;

/**
 * One instance as the manifests a user writes: a VrrpGroup named vi<vrid> in namespace
 * default, and with a password the Secret (type lvs.io/vrrp-auth) its authentication names.
 */
function manifestsOf(o: PeerOptions, extra: GroupSpecExtra): object[] {
  const name = `vi${o.vrid}`;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: SECRET_TYPE,
    metadata: { name: `${name}-auth` },
    stringData: { password: o.password },
  };
  const spec: z.input<typeof VrrpGroupSpecSchema> = {
    virtualRouterId: o.vrid,
    version: o.version,
    interface: o.iface ?? 'eth0',
    priority: o.priority,
    advertInterval: formatDurationMs(o.advertIntervalMs),
    preempt: o.preempt,
    preemptDelay: formatDurationMs(o.preemptDelayMs ?? 0),
    virtualIPs: o.vips.map((address) => ({ address })),
    ...(o.unicastPeers?.length ? { unicastPeers: [...o.unicastPeers] } : {}),
    ...(o.unicastSrc ? { unicastSourceIP: o.unicastSrc } : {}),
    ...(o.password
      ? { authentication: { type: 'PASS', secretRef: { name: secret.metadata.name, key: 'password' } } }
      : {}),
    garp: { masterDelay: formatDurationMs(o.garpDelayMs ?? 1000), masterRepeat: o.garpRepeat ?? 2 },
    ...extra,
  };
  const group = { apiVersion: API_VERSION, kind: 'VrrpGroup', metadata: { name }, spec };
  return o.password ? [group, secret] : [group];
}

/** A running peer. */
export interface Peer {
  readonly kind: 'ours' | 'keepalived';
  readonly node: string;
  readonly log: string[];
  /** kill -9 of every process of the peer. */
  crash(): Promise<void>;
  /** Graceful stop (SIGTERM): priority 0 and VIPs released; resolves when it exited. */
  stop(): Promise<void>;
  readonly process: ChildProcess;
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => p.once('exit', () => resolve()));
}

/**
 * Starts our speaker in `node`, from a folder with one VrrpGroup manifest per instance (node
 * name `node`). `extra` is added to every group's spec. `args` go to vrrp-speaker-main; by
 * default the record of the VIPs it added is one file per node in the lab's dir, so a restart
 * cleans up as the director does.
 */
export function startOurs(
  lab: NetnsLab,
  node: string,
  options: PeerOptions | readonly PeerOptions[],
  extra: GroupSpecExtra = {},
  args: readonly string[] = ['--vip-record', `${lab.dir}/vrrp-vips-${node}.json`],
): Peer & { metrics(): Promise<string> } {
  const all = Array.isArray(options) ? options : [options as PeerOptions];
  const name = `ours-${node}-${all[0]?.vrid ?? 0}-${++started}`;
  const manifests = `${lab.dir}/${name}`;
  const metricsPath = `${lab.dir}/${name}.prom`;
  mkdirSync(manifests);
  for (const o of all) {
    writeFileSync(
      `${manifests}/vi${o.vrid}.yaml`,
      manifestsOf(o, extra)
        .map((m) => stringify(m))
        .join('---\n'),
    );
  }
  const log: string[] = [];
  const p = lab.spawn(
    node,
    [
      ...speakerCommand(),
      ...['--manifests', manifests, '--node', node, '--metrics-file', metricsPath, '--log-level', 'debug'],
      ...args,
    ],
    { log },
  );
  // `ip netns exec` execs the program, so the child's pid is the speaker's.
  return {
    kind: 'ours',
    node,
    log,
    process: p,
    crash: async () => {
      p.kill('SIGKILL');
      await exited(p);
    },
    stop: async () => {
      p.kill('SIGTERM');
      await exited(p);
    },
    metrics: async () => {
      // Emptied first, so any complete text (the exposition ends with a newline) is this dump's,
      // even when no counter moved since the last one.
      writeFileSync(metricsPath, '');
      p.kill('SIGUSR2');
      return waitFor(
        () => {
          const t = readFileSync(metricsPath, 'utf8');
          return t.endsWith('\n') ? t : undefined;
        },
        { what: `metrics of ${name}` },
      );
    },
  };
}

/** keepalived.conf for one or more instances (global settings from the first). */
export function keepalivedConf(options: PeerOptions | readonly PeerOptions[], routerId: string): string {
  const all = Array.isArray(options) ? options : [options as PeerOptions];
  const first = all[0];
  if (!first) throw new Error('keepalivedConf: no instance');
  const global = [
    'global_defs {',
    `  router_id ${routerId}`,
    '  enable_script_security',
    '  vrrp_garp_master_repeat ' + String(first.garpRepeat ?? 2),
    '  vrrp_garp_master_delay ' + String(Math.round((first.garpDelayMs ?? 1000) / 1000)),
    '}',
  ];
  return [...global, ...all.flatMap(instanceLines)].filter((l) => l !== '').join('\n') + '\n';
}

function instanceLines(o: PeerOptions): string[] {
  return [
    `vrrp_instance VI_${o.vrid} {`,
    '  state BACKUP',
    `  interface ${o.iface ?? 'eth0'}`,
    `  virtual_router_id ${o.vrid}`,
    `  version ${o.version}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advertIntervalMs / 1000}`,
    o.preempt ? '' : '  nopreempt',
    o.preemptDelayMs ? `  preempt_delay ${o.preemptDelayMs / 1000}` : '',
    o.password ? `  authentication {\n    auth_type PASS\n    auth_pass ${o.password}\n  }` : '',
    o.unicastSrc ? `  unicast_src_ip ${o.unicastSrc}` : '',
    o.unicastPeers?.length ? `  unicast_peer {\n${o.unicastPeers.map((p) => `    ${p}`).join('\n')}\n  }` : '',
    `  virtual_ipaddress {\n${o.vips.map((v) => `    ${v}`).join('\n')}\n  }`,
    '}',
  ];
}

/** Starts keepalived (VRRP only, one or more instances) in `node`. */
export function startKeepalived(lab: NetnsLab, node: string, o: PeerOptions | readonly PeerOptions[]): Peer {
  const name = `ka-${node}-${(Array.isArray(o) ? (o as PeerOptions[])[0] : (o as PeerOptions))?.vrid ?? 0}-${++started}`;
  const conf = `${lab.dir}/${name}.conf`;
  const pid = `${lab.dir}/${name}.pid`;
  const vrrpPid = `${lab.dir}/${name}.vrrp.pid`;
  writeFileSync(conf, keepalivedConf(o, name));
  const log: string[] = [];
  const p = lab.spawn(
    node,
    ['keepalived', '-n', '-l', '-D', '-P', '-f', conf, '-p', pid, '-r', vrrpPid, '-c', `${lab.dir}/${name}.chk.pid`],
    { log },
  );
  const childPid = (): number | undefined => {
    try {
      return Number(readFileSync(vrrpPid, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  };
  return {
    kind: 'keepalived',
    node,
    log,
    process: p,
    // Parent and VRRP child together: killing only the parent makes the child leave gracefully.
    crash: async () => {
      const child = childPid();
      await run(['kill', '-9', ...(child ? [String(child)] : []), String(p.pid)]);
      await exited(p);
    },
    stop: async () => {
      p.kill('SIGTERM');
      await exited(p);
    },
  };
}

/** Nodes (by name) whose eth0 holds `vip` (with or without prefix). */
export async function holders(lab: NetnsLab, nodes: readonly string[], vip: string): Promise<string[]> {
  const address = vip.split('/')[0] ?? vip;
  const out: string[] = [];
  for (const n of nodes) {
    if ((await lab.addresses(n)).some((a) => a.split('/')[0] === address)) out.push(n);
  }
  return out;
}

/**
 * Waits until `node` holds `vip`; with `exclusive` (the default) no other of `nodes` may hold
 * it (a crashed peer keeps its VIP until it restarts, so crash tests pass `exclusive: false`).
 */
export function waitForHolder(
  lab: NetnsLab,
  nodes: readonly string[],
  vip: string,
  node: string,
  opts: { timeoutMs?: number; exclusive?: boolean } = {},
): Promise<true> {
  const exclusive = opts.exclusive ?? true;
  return waitFor(
    async () => {
      const h = await holders(lab, nodes, vip);
      return h.includes(node) && (!exclusive || h.length === 1) ? true : undefined;
    },
    { what: `${vip} on ${node}${exclusive ? ' only' : ''}`, timeoutMs: opts.timeoutMs ?? 15_000, intervalMs: 20 },
  );
}

/** Removes `vips` from every node (a crashed peer's leftovers) so the next test starts clean. */
export async function clearVips(lab: NetnsLab, nodes: readonly string[], vips: readonly string[]): Promise<void> {
  for (const n of nodes) {
    for (const v of vips) {
      const addr = v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`;
      await lab.exec(n, ['ip', 'addr', 'del', addr, 'dev', 'eth0']);
    }
  }
}
