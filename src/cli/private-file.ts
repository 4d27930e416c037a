import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Owner read/write only: files that hold a password (Secrets, keepalived.conf with auth_pass). */
export const PRIVATE_MODE = 0o600;

/**
 * Writes `text` to `path` readable by its owner only, whatever was there before: the text goes
 * to a new file created with mode 0600 (exclusive, so never through someone's symlink) that
 * then replaces `path`. Writing in place would keep an existing file's wider mode, and
 * chmod after writing would leave a moment when the password is readable.
 */
export function writePrivateFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: PRIVATE_MODE, flag: 'wx' });
    // The umask cannot widen a mode but a filesystem may ignore it; make sure.
    chmodSync(tmp, PRIVATE_MODE);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
