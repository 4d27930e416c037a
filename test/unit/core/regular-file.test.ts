import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile } from '../../../src/core/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-regular-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile', () => {
  it('reads a regular file up to the limit, and refuses one past it', () => {
    writeFileSync(join(dir, 'ok'), 'abc');
    expect(readRegularFile(join(dir, 'ok'), { maxBytes: 3 })).toEqual({ ok: true, bytes: Buffer.from('abc') });
    expect(readRegularFile(join(dir, 'ok'), { maxBytes: 2 })).toEqual({ ok: false, problem: 'too-large' });
  });

  it('names what is not a regular file, without blocking on a FIFO', () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(readRegularFile(join(dir, 'fifo'), { maxBytes: 10 })).toEqual({
      ok: false,
      problem: 'not-regular',
      kind: 'a FIFO',
    });
    expect(readRegularFile(dir, { maxBytes: 10 })).toEqual({ ok: false, problem: 'not-regular', kind: 'a folder' });
    expect(readRegularFile('/dev/zero', { maxBytes: 10 })).toEqual({
      ok: false,
      problem: 'not-regular',
      kind: 'a character device',
    });
  });

  it('tells a missing file from one that cannot be opened; noFollow refuses a final link', () => {
    expect(readRegularFile(join(dir, 'none'), { maxBytes: 10 })).toEqual({
      ok: false,
      problem: 'missing',
      code: 'ENOENT',
    });
    symlinkSync(join(dir, 'ok'), join(dir, 'link'));
    expect(readRegularFile(join(dir, 'link'), { maxBytes: 10 }).ok).toBe(true);
    expect(readRegularFile(join(dir, 'link'), { maxBytes: 10, noFollow: true })).toEqual({
      ok: false,
      problem: 'error',
      code: 'ELOOP',
    });
  });
});
