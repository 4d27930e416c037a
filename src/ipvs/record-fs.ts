import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';

/**
 * The file-system calls the ownership record makes, as a port so that tests can inject
 * EROFS, ENOSPC or EACCES at any step. Errors are Node's system errors (`code` set).
 */
export interface RecordFs {
  mkdir(path: string): Promise<void>;
  /** Names in a directory; ENOENT when it does not exist. */
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<string>;
  /** Creates or truncates `path`, writes `data` and fsyncs the file before closing it. */
  writeSynced(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync of a directory, so that a rename or unlink in it survives a power loss. */
  syncDir(path: string): Promise<void>;
}

/** The real file system. */
export const nodeRecordFs: RecordFs = {
  // Not recursive first: a recursive mkdir on a read-only file system reports ENOENT, which
  // would hide the EROFS an operator needs to see.
  mkdir: async (path) => {
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      if (code !== 'ENOENT') throw err;
      await mkdir(path, { recursive: true, mode: 0o700 });
    }
  },
  readdir: (path) => readdir(path),
  readFile: (path) => readFile(path, 'utf8'),
  writeSynced: async (path, data) => {
    const fh = await open(path, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename,
  unlink,
  syncDir: async (path) => {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
