import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { clip, fileKind, readRegularFile, type FileType } from '../core/index.js';
import { parseManifestText, type ManifestDocument, type TextDiagnostic } from './manifest-text.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Largest manifest file read: 4 MiB. The biggest real folder we know (10,000 VirtualServers,
 * bench/) splits into files far below it; a file this size already takes about a second to
 * validate. A larger file is an error for that file alone.
 */
export const MANIFEST_FILE_MAX_BYTES = 4 * 1024 * 1024;

export interface LoadedManifests {
  readonly documents: ManifestDocument[];
  readonly diagnostics: TextDiagnostic[];
  readonly files: string[];
  /**
   * Paths given to load that could not be listed or read at all (missing, not a folder or a
   * regular file, unreadable), with the reason. A source whose folder is here is unavailable,
   * which is not the same as empty.
   */
  readonly unavailable: { readonly path: string; readonly reason: string }[];
}

/**
 * Reads manifest files and folders (recursively, *.yaml, *.yml, *.json, in name order; hidden
 * entries skipped). Nothing throws: every path that cannot be used becomes a diagnostic naming
 * it, and the other files are still read.
 * - Only regular files are read, opened without blocking (a FIFO named web.yaml is an error,
 *   not a reload that waits for a writer forever), and at most MANIFEST_FILE_MAX_BYTES each.
 * - Symbolic links are followed while they stay inside the folder given (a Kubernetes
 *   ConfigMap mount is links into a hidden `..data` folder); a link that leaves it, dangles
 *   or loops is an error. So the folder alone is the configuration, and a loop of folder links
 *   is read once.
 * - A subfolder that cannot be listed is an error naming it; its siblings are still read.
 */
export async function loadManifestPaths(paths: readonly string[]): Promise<LoadedManifests> {
  const out: LoadedManifests = { documents: [], diagnostics: [], files: [], unavailable: [] };
  for (const path of paths) {
    const files = await listRoot(path, out);
    for (const file of files) {
      const text = readManifestFile(file.real, file.shown, out.diagnostics);
      if (text === undefined) continue;
      out.files.push(file.shown);
      const parsed = parseManifestText(text, file.shown);
      out.documents.push(...parsed.documents);
      out.diagnostics.push(...parsed.diagnostics);
    }
  }
  return out;
}

interface ListedFile {
  /** The path as found in the folder, for messages and last-good bookkeeping. */
  readonly shown: string;
  /** Where it really is, after symbolic links. */
  readonly real: string;
}

const problem = (file: string, message: string): TextDiagnostic => ({ file, line: 1, column: 1, message });
const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

async function listRoot(path: string, out: LoadedManifests): Promise<ListedFile[]> {
  let root: string;
  try {
    root = await realpath(path);
    const info = await stat(root);
    if (!info.isDirectory()) return [{ shown: path, real: root }];
  } catch (err) {
    const reason = `cannot read: ${errnoOf(err)}`;
    out.diagnostics.push(problem(path, reason));
    out.unavailable.push({ path, reason });
    return [];
  }
  const files: ListedFile[] = [];
  const listed = await listFolder(path, root, root, new Set([root]), files, out.diagnostics);
  if (!listed.ok) out.unavailable.push({ path, reason: listed.reason });
  return files;
}

/** Lists `real` (shown as `shown`) into `files`; false when the folder itself cannot be listed. */
async function listFolder(
  shown: string,
  real: string,
  root: string,
  visited: Set<string>,
  files: ListedFile[],
  diagnostics: TextDiagnostic[],
): Promise<{ ok: true } | { ok: false; reason: string }> {
  let entries;
  try {
    entries = await readdir(real, { withFileTypes: true });
  } catch (err) {
    const reason = `cannot list folder: ${errnoOf(err)}`;
    diagnostics.push(problem(shown, reason));
    return { ok: false, reason };
  }
  entries = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const childShown = join(shown, e.name);
    let childReal = join(real, e.name);
    const isManifest = MANIFEST_EXTENSIONS.some((ext) => e.name.endsWith(ext));
    let isDirectory = e.isDirectory();
    let special = specialKind(e);
    if (e.isSymbolicLink()) {
      try {
        childReal = await realpath(childReal);
        const target = await stat(childReal);
        isDirectory = target.isDirectory();
        special = specialKind(target);
      } catch (err) {
        // A dangling link without a manifest's name is not a manifest; one with it is broken.
        if (isManifest) diagnostics.push(problem(childShown, `broken symbolic link: ${errnoOf(err)}`));
        continue;
      }
      if (!isDirectory && !isManifest) continue;
      if (childReal !== root && !childReal.startsWith(root + sep)) {
        diagnostics.push(
          problem(childShown, `symbolic link leads outside the folder (to ${clip(childReal)}); not read`),
        );
        continue;
      }
    }
    if (special !== undefined) {
      // Named like a manifest but a FIFO, socket or device: opening it could block or never end.
      if (isManifest) diagnostics.push(problem(childShown, `not a regular file (${special}); not read`));
      continue;
    }
    if (isDirectory) {
      if (visited.has(childReal)) continue; // a link back to a folder already read
      visited.add(childReal);
      await listFolder(childShown, childReal, root, visited, files, diagnostics);
    } else if (isManifest) {
      files.push({ shown: childShown, real: childReal });
    }
  }
  return { ok: true };
}

/** "a FIFO", "a socket", "a character device"...: what is neither a file, a folder nor a link. */
function specialKind(s: FileType): string | undefined {
  return s.isDirectory() ? undefined : fileKind(s);
}

/**
 * The text of one regular file, or undefined with a diagnostic. O_NONBLOCK makes opening a
 * FIFO return at once; the type is then checked on the open descriptor, so a file swapped for
 * something else between listing and reading is caught too.
 */
function readManifestFile(real: string, shown: string, diagnostics: TextDiagnostic[]): string | undefined {
  const read = readRegularFile(real, { maxBytes: MANIFEST_FILE_MAX_BYTES, noFollow: true });
  if (!read.ok) {
    switch (read.problem) {
      case 'not-regular':
        diagnostics.push(problem(shown, `not a regular file (${read.kind}); not read`));
        break;
      case 'too-large':
      case 'grew':
        diagnostics.push(problem(shown, tooLarge()));
        break;
      default:
        diagnostics.push(problem(shown, `cannot read: ${read.code}`));
    }
    return undefined;
  }
  try {
    // A leading byte order mark is dropped; bytes that are not UTF-8 make the file an error.
    return new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    diagnostics.push(problem(shown, 'not UTF-8 text; not read'));
    return undefined;
  }
}

function tooLarge(): string {
  return `larger than the limit of ${MANIFEST_FILE_MAX_BYTES} bytes; not read`;
}
