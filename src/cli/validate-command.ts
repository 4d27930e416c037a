import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  formatDiagnostic,
  loadManifestPaths,
  validateManifestSet,
  type Diagnostic,
  objectLabel,
  type LocatedObject,
} from '../sources/index.js';
import { unsupportedSettings } from '../model/index.js';
import { formatPath } from '../api/index.js';
import { ReportedFailure, UsageError } from './exit.js';

const OUTPUTS = ['text', 'json', 'yaml'] as const;

/** `lvsctl validate PATH...`: schema and cross-object checks over manifest files and folders. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validate lvs.io manifests (files or folders): schemas, then conflicts across objects')
    .argument('<paths...>', 'manifest files or folders (*.yaml, *.yml, *.json, recursively)')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option('--strict', 'treat warnings as errors')
    .addHelpText(
      'after',
      '\nEach problem is printed as  file:line: Kind/name: field.path: message\nExit status: 0 valid, 1 problems found, 2 usage error.',
    )
    .action(async (paths: string[], opts: { output: string; strict?: boolean }) => {
      if (!(OUTPUTS as readonly string[]).includes(opts.output)) {
        throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}`);
      }
      const loaded = await loadManifestPaths(paths);
      const result = validateManifestSet(loaded.documents, loaded.diagnostics);
      result.diagnostics.push(...unsupportedDiagnostics(result.objects));
      const errors = result.diagnostics.filter((d) => d.severity === 'error' || opts.strict === true);
      printResult(opts.output, result.diagnostics, {
        files: loaded.files.length,
        objects: loaded.documents.length,
        valid: result.objects.length,
      });
      if (errors.length > 0) throw new ReportedFailure();
    });
}

function printResult(
  output: string,
  diagnostics: Diagnostic[],
  counts: { files: number; objects: number; valid: number },
): void {
  if (output === 'json' || output === 'yaml') {
    const doc = { ...counts, diagnostics };
    process.stdout.write(output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc));
    return;
  }
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary = `${counts.objects} objects in ${counts.files} files: ${counts.valid} valid, ${errors} errors, ${warnings} warnings`;
  (errors > 0 ? process.stderr : process.stdout).write(`${summary}\n`);
}

/** Settings that validate but that the agent does not act on yet, as warnings. */
function unsupportedDiagnostics(objects: readonly LocatedObject[]): Diagnostic[] {
  return objects.flatMap((at) => {
    const o = at.object;
    if (o.kind !== 'VrrpGroup' && o.kind !== 'VirtualServer') return [];
    return unsupportedSettings(o).map((i) => ({
      file: at.file,
      line: at.line,
      object: objectLabel(at.object),
      path: formatPath(i.path),
      message: i.message,
      severity: 'warning' as const,
    }));
  });
}
