import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { systemClock, messageOf } from '../core/index.js';
import { runScenario, type DemoSummary, FULL_TIMELINE, QUICK_TIMELINE, DemoWorld } from '../demo/index.js';
import { ANY_COMMAND, SpawnProcessRunner, systemToolRequest, toolSucceeded } from '../net/index.js';
import { EXIT_FAILURE, UsageError } from './exit.js';

interface DemoFlags {
  quick?: boolean;
  manifests?: string;
  live?: boolean;
  color?: boolean;
  rows?: string;
}

/** The repository's examples/seed-000 folder, found from this module upwards (source and dist). */
function defaultManifests(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'examples', 'seed-000-dr-vrrp-redirect');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return 'examples/seed-000-dr-vrrp-redirect';
}

/** Why the demo cannot run here, or undefined when it can. */
async function preflight(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) {
    return (
      'the demo needs root: it creates network namespaces, a bridge and veth pairs, and programs\n' +
      'kernel IPVS in them. Run it as root (sudo npm start).'
    );
  }
  const processes = new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND });
  if (
    !existsSync('/proc/net/ip_vs') &&
    !toolSucceeded(await processes.run(systemToolRequest(['modprobe', '-q', 'ip_vs'])))
  ) {
    return (
      'this kernel has no IPVS (no /proc/net/ip_vs, and modprobe ip_vs failed).\n' +
      'hack/demo.sh (npm start) runs the demo inside user-mode-linux in that case.'
    );
  }
  return undefined;
}

function summaryLines(s: DemoSummary): string[] {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    'Summary',
    `  first master            ${s.firstMaster}, ready ${sec(s.electionMs)} after the agents started`,
    `  takeover after kill -9  ${sec(s.takeoverMs)} (VRRP: 3 missed adverts at 1 s + skew)`,
    `  service back after      ${sec(s.serviceBackMs)}; ${s.failedDuringTakeover} requests failed meanwhile`,
    `  drain (weight 0) after  ${sec(s.drainMs)} (HTTP_GET every 3 s, one retry)`,
    `  restore (weight 1)      ${sec(s.restoreMs)}`,
    '',
    `lvsctl ipvs list -n --stats, on ${s.master}:`,
    ...s.listing
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
    '  (DR: the backends answer the client directly, so OutPkts stays 0 on the director)',
  ];
}

/** `lvs-operator demo`: seed 000 in network namespaces, failover and drain, with a live view. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Seed 000 in network namespaces: two directors (VRRP), two web backends (DR, REDIRECT), a client; kill the master, drain a backend',
    )
    .option('--quick', 'hold each phase only as long as its checks need (tests)')
    .option('--manifests <dir>', 'the manifests the agents run (default: examples/seed-000-dr-vrrp-redirect)')
    .option('--live', 'redraw the view in place (default when stdout is a terminal)')
    .option('--no-live', 'print log lines and periodic snapshots instead')
    .option('--color', 'colour the output (default: a terminal without NO_COLOR)')
    .option('--no-color', 'plain text')
    .option('--rows <n>', 'terminal height for the live view (default: this terminal)')
    .addHelpText(
      'after',
      '\nNeeds root and a kernel with IPVS; hack/demo.sh uses user-mode-linux when the host has none.',
    )
    .action(async (flags: DemoFlags) => {
      process.exitCode = await runDemo(flags);
    });
}

async function runDemo(flags: DemoFlags): Promise<number> {
  const write = (text: string) => void process.stdout.write(text);
  const problem = await preflight();
  if (problem) {
    process.stderr.write(`lvs-operator demo: ${problem}\n`);
    return EXIT_FAILURE;
  }
  const tty = process.stdout.isTTY === true;
  const live = flags.live ?? tty;
  const color = flags.color ?? (tty && !process.env['NO_COLOR']);
  const timeline = flags.quick ? QUICK_TIMELINE : FULL_TIMELINE;
  const notes = [
    "Seed 000's addresses: client and directors 192.168.105.0/24, backends 192.168.5.0/24,",
    'one bridge, on-link routes between the subnets (DR rewrites only the MAC).',
    ...(process.env['LVS_IN_UML']
      ? ['Kernel: user-mode-linux 6.1 (no IPVS on the host); REDIRECT via iptables-legacy.']
      : []),
  ];
  const rows = flags.rows !== undefined ? Number(flags.rows) : process.stdout.rows;
  if (rows !== undefined && !(Number.isInteger(rows) && rows > 0))
    throw new UsageError('--rows must be a positive integer');
  const world = new DemoWorld(
    { live, color, write, snapshotEveryMs: flags.quick ? 60_000 : 10_000, ...(rows !== undefined ? { rows } : {}) },
    timeline,
    flags.manifests ?? defaultManifests(),
    notes,
  );
  const stop = (signal: string) => {
    write(`\n${signal}: stopping the demo and removing its namespaces\n`);
    void world.destroy().then(() => {
      write('cleaned up\n');
      process.exit(130);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await runScenario(world, timeline);
    world.finish();
    write(`\n${summaryLines(summary).join('\n')}\n`);
    return 0;
  } catch (err) {
    // Interrupted: the signal handler reports and exits.
    if (world.isDestroyed()) return 130;
    world.finish();
    write(`\ndemo failed: ${messageOf(err)}\n`);
    for (const [node, log] of world.agentLogs) {
      if (log.length > 0) write(`--- last lines of ${node}:\n${log.slice(-8).join('\n')}\n`);
    }
    return EXIT_FAILURE;
  } finally {
    await world.destroy();
    write('namespaces and processes removed\n');
  }
}
