/**
 * keepalived's `enable_script_security` (check_script_secure in keepalived/core/global_parser.c
 * and scripts.c): a script run as root is refused when anyone but root could change what runs,
 * that is when the program file, or any directory on its resolved path, is owned by a user other
 * than root, group-writable with a group other than root, or world-writable. Symbolic links are
 * resolved first (the file that runs is judged), and a bare program name is looked up on PATH,
 * as execvp will.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/** Why the program may not run as root, or undefined when it may. */
export async function scriptInsecurity(program: string, path = process.env['PATH'] ?? ''): Promise<string | undefined> {
  const found = program.includes('/') ? program : await onPath(program, path);
  if (found === undefined) return undefined; // spawn reports ENOENT
  let file: string;
  try {
    file = await realpath(found);
  } catch {
    return undefined; // spawn reports ENOENT or EACCES
  }
  for (let p = file; ; p = dirname(p)) {
    const s = await stat(p);
    if (s.uid !== 0) return `${p} is owned by uid ${s.uid}, not root`;
    if ((s.mode & 0o020) !== 0 && s.gid !== 0) return `${p} is writable by group ${s.gid}`;
    if ((s.mode & 0o002) !== 0) return `${p} is writable by everyone`;
    if (p === '/') return undefined;
  }
}

async function onPath(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    const ok = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return candidate;
  }
  return undefined;
}
