import type { Command } from 'commander';
import { exportKeepalived, formatDiagnostic, isFailure } from '../keepalived/index.js';
import { loadManifestPaths } from '../sources/index.js';
import { ReportedFailure } from './exit.js';
import { writePrivateFile } from './private-file.js';

/**
 * `lvsctl export PATH...`: writes VrrpGroups, VirtualServers, RealServers and the Secrets of
 * their passwords back as one keepalived.conf (normalised form). What keepalived cannot express
 * is reported as a warning; --strict fails on it.
 */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Write lvs.io manifests (files or folders) as a keepalived.conf')
    .argument('<paths...>', 'manifest files or folders (*.yaml, *.yml, *.json), with the Secrets of VRRP passwords')
    .option('--out <file|->', 'where to write the keepalived.conf', '-')
    .option('--strict', 'fail when something cannot be expressed in keepalived.conf')
    .addHelpText('after', '\nExit status: 0 written, 1 errors (or warnings with --strict), 2 usage error.')
    .action(async (paths: string[], flags: { out: string; strict?: boolean }) => {
      const loaded = await loadManifestPaths(paths);
      for (const d of loaded.diagnostics)
        process.stderr.write(`${d.file}:${d.line}:${d.column}: error: ${d.message}\n`);
      const result = exportKeepalived(
        loaded.documents.map((d) => ({ value: d.value, source: { file: d.file, line: d.line, col: 1 } })),
      );
      for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      if (loaded.diagnostics.length > 0 || result.diagnostics.some((d) => isFailure(d, flags.strict === true))) {
        process.stderr.write('export failed; nothing written\n');
        throw new ReportedFailure();
      }
      if (flags.out === '-') process.stdout.write(result.text);
      // auth_pass is in it: owner-only, like the Secrets it came from.
      else writePrivateFile(flags.out, result.text);
    });
}
