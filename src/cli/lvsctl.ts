#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE, ReportedFailure, UsageError } from './exit.js';
import { messageOf } from '../core/index.js';
import { registerValidate } from './validate-command.js';
import { registerIpvs } from './ipvs-command.js';
import { registerImport } from './import-command.js';
import { registerExport } from './export-command.js';
import { registerPlan } from './plan-command.js';
import { registerStatus } from './status-command.js';

/**
 * lvsctl: the operator's command-line companion. Each subcommand lives in its own
 * `*-command.ts` module and registers itself here.
 */
export function buildLvsctl(): Command {
  const program = new Command('lvsctl')
    .description("Inspect, validate and convert lvs-operator configuration, and show a node's status")
    .showHelpAfterError()
    .exitOverride();
  registerValidate(program);
  registerIpvs(program);
  registerImport(program);
  registerExport(program);
  registerPlan(program);
  registerStatus(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildLvsctl();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; everything else commander rejects is a usage error.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`lvsctl: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ReportedFailure) return EXIT_FAILURE;
    process.stderr.write(`lvsctl: ${messageOf(err)}\n`);
    return EXIT_FAILURE;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/lvsctl.js')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`lvsctl: ${messageOf(err)}\n`);
      process.exit(EXIT_FAILURE);
    },
  );
}
