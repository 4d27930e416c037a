import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/core/atomic-file.js';

describe('writeFileAtomic', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory, replaces the content and leaves no temporary file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'sub', 'record.json');
    await writeFileAtomic(path, 'one\n');
    await writeFileAtomic(path, 'two\n', 0o600);
    expect(await readFile(path, 'utf8')).toBe('two\n');
    expect(await readdir(join(dir, 'sub'))).toEqual(['record.json']);
  });

  it('keeps the old content and removes the temporary file when the rename fails', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'record.json');
    // A directory in the target's place makes rename(2) fail with EISDIR.
    await writeFile(join(dir, 'keep'), 'x');
    await import('node:fs/promises').then((fs) => fs.mkdir(path));
    await expect(writeFileAtomic(path, 'new')).rejects.toMatchObject({ code: 'EISDIR' });
    expect((await stat(path)).isDirectory()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['keep', 'record.json']);
  });
});
