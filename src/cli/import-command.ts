import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { clip } from '../core/index.js';
import {
  convertIpvsadmRules,
  fileSystemSource,
  formatDiagnostic,
  importKeepalived,
  isFailure,
  renderManifests,
  renderObject,
  type Diagnostic,
  type ImportResult,
} from '../keepalived/index.js';
import { writePrivateFile } from './private-file.js';
import { ReportedFailure, UsageError } from './exit.js';

interface ImportFlags {
  strict?: boolean;
  namespace?: string;
  out: string;
  configId?: string;
  realServerObjects?: boolean;
  ipvsadm?: string;
}

/**
 * `lvsctl import keepalived.conf`: converts a keepalived configuration (with its includes) or
 * an `ipvsadm -S` rule file into lvs.io manifests. Diagnostics go to stderr as
 * file:line:col; any error, or any warning under --strict, fails the command and writes nothing.
 */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Convert a keepalived.conf (or ipvsadm-save rules) into lvs.io manifests')
    .argument('[file]', 'keepalived.conf to convert (includes are followed)')
    .option('--ipvsadm <file>', 'convert ipvsadm -S / ipvsadm-save rules instead of a keepalived.conf')
    .option('--strict', 'fail on warnings (anything not carried), not only on errors')
    .option('-n, --namespace <ns>', 'metadata.namespace of every object (default: none, kubectl decides)')
    .option('--out <dir|->', 'a folder to write one file per object, or - for multi-document YAML on stdout', '-')
    .option('--config-id <id>', "keepalived's config id (-i) for @id conditional lines")
    .option('--real-server-objects', 'write real servers as RealServer objects selected by label, not inline')
    .addHelpText(
      'after',
      '\nEvery keyword that is not carried is reported with its file:line and the reason.\nExit status: 0 converted, 1 errors (or warnings with --strict), 2 usage error.',
    )
    .action((file: string | undefined, flags: ImportFlags) => {
      const result = runImport(file, flags);
      report(result.diagnostics, flags.strict === true);
      writeOutput(result, flags.out);
    });
}

function runImport(file: string | undefined, flags: ImportFlags): ImportResult {
  if ((file === undefined) === (flags.ipvsadm === undefined)) {
    throw new UsageError('give either a keepalived.conf or --ipvsadm FILE');
  }
  const options = {
    namespace: flags.namespace,
    realServerObjects: flags.realServerObjects,
    configId: flags.configId,
    env: process.env,
  };
  if (flags.ipvsadm !== undefined) {
    // The same reader as for keepalived.conf: regular files only, size-capped, never blocking.
    const text = fileSystemSource.readFile(flags.ipvsadm);
    if (typeof text !== 'string') {
      const why = text === undefined ? 'does not exist' : text.problem;
      throw new UsageError(`cannot read ${clip(flags.ipvsadm)}: ${why}`);
    }
    return convertIpvsadmRules(text, flags.ipvsadm, options);
  }
  return importKeepalived(file ?? '', fileSystemSource, options);
}

function report(diagnostics: readonly Diagnostic[], strict: boolean): void {
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const failures = diagnostics.filter((d) => isFailure(d, strict)).length;
  if (failures > 0) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
    process.stderr.write(
      `import failed: ${errors} errors, ${warnings} warnings${strict ? ' (--strict)' : ''}; nothing written\n`,
    );
    throw new ReportedFailure();
  }
}

function writeOutput(result: ImportResult, out: string): void {
  if (out === '-') {
    process.stdout.write(renderManifests(result.objects, result.files));
    return;
  }
  mkdirSync(out, { recursive: true });
  for (const obj of result.objects) {
    const r = renderObject(obj);
    // A Secret holds a VRRP password: owner-only, as keepalived.conf itself should have been.
    if (obj.manifest.kind === 'Secret') writePrivateFile(join(out, r.fileName), r.text);
    else writeFileSync(join(out, r.fileName), r.text);
  }
  process.stderr.write(`wrote ${result.objects.length} objects to ${out}\n`);
}
