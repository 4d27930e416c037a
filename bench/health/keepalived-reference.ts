/**
 * keepalived as the reference for the health-check benchmark: writes a keepalived.conf with the
 * same real servers and checker, runs keepalived's checker process only (`-C`), and reports its
 * CPU use (utime + stime of the checker child) and RSS over the same duration. keepalived needs
 * IPVS in the kernel to start its checker; without it this returns why it could not run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeepalivedFigures {
  readonly ran: boolean;
  /** Why it did not run, or notes. */
  readonly note: string;
  readonly cpuCores?: number;
  readonly rssMiB?: number;
  /** Connections per second the backends accepted while it ran. */
  readonly checksPerS?: number;
  readonly version?: string;
}

export interface KeepalivedRun {
  readonly dir: string;
  readonly targets: readonly { readonly ip: string; readonly port: number }[];
  readonly type: 'HTTP' | 'TCP';
  readonly intervalMs: number;
  readonly durationS: number;
  /** The backend's log length now, and its accept rate from a log position on. */
  readonly serverLogLength: () => number;
  readonly acceptRate: (fromLine: number) => number;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+([0-9]+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** keepalived.conf: one virtual server holding every target, the same check as ours. */
export function keepalivedConfig(run: KeepalivedRun): string {
  const check =
    run.type === 'HTTP'
      ? 'HTTP_GET {\n      url {\n        path /health_check.html\n        status_code 200\n      }\n      connect_timeout 1\n    }'
      : 'TCP_CHECK {\n      connect_timeout 1\n    }';
  const servers = run.targets
    .map((t) => `  real_server ${t.ip} ${t.port} {\n    weight 1\n    ${check}\n  }`)
    .join('\n');
  // delay_loop is in seconds; keepalived accepts fractions since 2.0.
  return `global_defs {\n  router_id lvs-health-bench\n}\nvirtual_server 198.51.100.1 80 {\n  delay_loop ${run.intervalMs / 1000}\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${servers}\n}\n`;
}

/** Runs keepalived's checker on the targets for the duration and measures it. */
export async function measureKeepalived(run: KeepalivedRun): Promise<KeepalivedFigures> {
  const conf = join(run.dir, 'keepalived.conf');
  const checkerPidFile = join(run.dir, 'checkers.pid');
  writeFileSync(conf, keepalivedConfig(run));
  const log: string[] = [];
  const child = spawn(
    'keepalived',
    ['-n', '-l', '-C', '-f', conf, '-p', join(run.dir, 'keepalived.pid'), '-c', checkerPidFile],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout.on('data', (b: Buffer) => log.push(b.toString()));
  child.stderr.on('data', (b: Buffer) => log.push(b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    // It reads 10,000 real servers and programs them into IPVS before checking.
    const deadline = Date.now() + 60_000;
    let pid: number | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      if (existsSync(checkerPidFile)) pid = Number(readFileSync(checkerPidFile, 'utf8').trim());
      if (pid && existsSync(`/proc/${pid}`)) break;
      await delay(200);
    }
    await delay(run.intervalMs * 2 + 2000);
    if (!pid || !existsSync(`/proc/${pid}`)) {
      const why = log
        .join('')
        .split('\n')
        .filter((l) => /ipvs|error|fatal|stopped/i.test(l))
        .slice(0, 3)
        .join(' / ');
      return { ran: false, note: `keepalived's checker did not start: ${why || 'no checker process'}` };
    }
    let cores: number;
    let rss = 0;
    const mark = run.serverLogLength();
    try {
      const cpu0 = cpuSeconds(pid);
      const t0 = Date.now();
      while (Date.now() - t0 < run.durationS * 1000) {
        rss = Math.max(rss, rssKiB(pid));
        await delay(1000);
      }
      cores = (cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000);
    } catch {
      const why = log
        .join('')
        .split('\n')
        .filter((l) => /ipvs|error|fatal|stopped/i.test(l))
        .slice(0, 3)
        .join(' / ');
      return { ran: false, note: `keepalived's checker exited: ${why || 'no reason logged'}` };
    }
    const failures = log
      .join('')
      .split('\n')
      .filter((l) => /failed|timeout/i.test(l)).length;
    const version = /Keepalived v[0-9.]+/.exec(log.join(''))?.[0];
    return {
      ran: true,
      ...(version ? { version } : {}),
      checksPerS: run.acceptRate(mark),
      cpuCores: cores,
      rssMiB: rss / 1024,
      note: `checker process pid ${pid}; ${failures} failure lines in its log`,
    };
  } finally {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone already
    }
    await Promise.race([exited, delay(10_000)]);
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}
