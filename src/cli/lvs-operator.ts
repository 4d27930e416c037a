#!/usr/bin/env -S node --max-semi-space-size=8
// An 8 MiB young generation: the health checker's short-lived objects die young either way and a
// larger one only holds more garbage (bench/results/health-2026-11-22.md: 246 MiB RSS at 10,000
// HTTP checks/s instead of 366 MiB with Node's default).
import { Command, CommanderError } from 'commander';
import { messageOf } from '../core/index.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './exit.js';
import { registerController } from './controller-command.js';
import { registerDemo } from './demo-command.js';
import { registerDirector } from './director-command.js';
import { registerRealserver } from './realserver-command.js';
import { registerStandalone } from './standalone-command.js';

/**
 * lvs-operator: the long-running roles. Each role lives in its own `*-command.ts` module and
 * registers itself here, one line per role.
 */
export function buildLvsOperator(): Command {
  const program = new Command('lvs-operator')
    .description('Kernel IPVS + VRRP load balancing, declared as Kubernetes custom resources')
    .showHelpAfterError()
    .exitOverride();
  registerController(program);
  registerStandalone(program);
  registerDirector(program);
  registerRealserver(program);
  registerDemo(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildLvsOperator().parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    if (err instanceof UsageError) {
      process.stderr.write(`lvs-operator: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`lvs-operator: ${messageOf(err)}\n`);
    return EXIT_FAILURE;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/lvs-operator.js')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`lvs-operator: ${messageOf(err)}\n`);
      process.exit(EXIT_FAILURE);
    },
  );
}
