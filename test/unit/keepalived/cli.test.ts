import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/lvsctl.js';
import { captureOutput } from '../../support/captured-output.js';
import { CORPUS, FIXTURES } from './corpus-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'lvsctl-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const output = captureOutput();

const seed000 = join(FIXTURES, 'seed-000', 'keepalived.conf');

describe('lvsctl import', () => {
  it('writes multi-document YAML with a source comment above each object, and it validates', async () => {
    expect(await main(['import', seed000])).toBe(0);
    expect(output.out.match(/^# source: .*keepalived\.conf:11$/gm)).toHaveLength(2);
    expect(output.out).toMatch(/^# source: .*example_real_web_servers\.conf:5$/m);
    expect(output.err).toMatch(/note: router_id dropped/);
    const file = join(dir, 'seed-000.yaml');
    writeFileSync(file, output.out);
    output.out = '';
    expect(await main(['validate', file])).toBe(0);
    expect(output.out).toBe('3 objects in 1 files: 3 valid, 0 errors, 0 warnings\n');
  });

  it('writes one file per object with --out DIR, in the namespace given', async () => {
    const outDir = join(dir, 'objects');
    expect(await main(['import', '--namespace', 'lb', '--out', outDir, seed000])).toBe(0);
    expect(readdirSync(outDir).sort()).toEqual([
      'secret-vi-1-auth.yaml',
      'virtualserver-example-web-servers.yaml',
      'vrrpgroup-vi-1.yaml',
    ]);
    expect(readFileSync(join(outDir, 'vrrpgroup-vi-1.yaml'), 'utf8')).toMatch(/namespace: lb/);
    expect(await main(['validate', outDir])).toBe(0);
  });

  it('writes Secret files owner-only (0600), also over an existing world-readable file', async () => {
    const outDir = join(dir, 'private');
    mkdirSync(outDir);
    const secretFile = join(outDir, 'secret-vi-1-auth.yaml');
    writeFileSync(secretFile, 'old\n');
    chmodSync(secretFile, 0o644);
    const umask = process.umask(0);
    try {
      expect(await main(['import', '--out', outDir, seed000])).toBe(0);
    } finally {
      process.umask(umask);
    }
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretFile, 'utf8')).toMatch(/^type: lvs\.io\/vrrp-auth$/m);
    expect(statSync(join(outDir, 'vrrpgroup-vi-1.yaml')).mode & 0o777).toBe(0o666);
    expect(readdirSync(outDir).filter((f) => f.startsWith('.'))).toEqual([]);
    const conf = join(dir, 'exported.conf');
    expect(await main(['export', '--out', conf, outDir])).toBe(0);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
  });

  it('fails with exit 1 on errors and writes nothing', async () => {
    expect(await main(['import', join(CORPUS, 'broken-unclosed-brace.conf')])).toBe(1);
    expect(output.out).toBe('');
    expect(output.err).toMatch(/broken-unclosed-brace\.conf:1:20: error: .*\[KA_UNCLOSED_BLOCK\]/);
  });

  it('passes warnings without --strict and fails on them with it', async () => {
    const file = join(CORPUS, 'vrrp-auth-ah.conf');
    expect(await main(['import', file])).toBe(0);
    expect(output.err).toMatch(/vrrp-auth-ah\.conf:5:9: warning: auth_type AH is not carried/);
    output.out = '';
    expect(await main(['import', '--strict', file])).toBe(1);
    expect(output.out).toBe('');
    expect(output.err).toMatch(/--strict/);
  });

  it('follows include globs on the file system, relative to the including file', async () => {
    expect(await main(['import', join(CORPUS, 'include-glob.conf')])).toBe(0);
    expect(output.out).toMatch(/^# source: .*corpus\/inc\/vs-a\.conf:1$/m);
    expect(output.out).toMatch(/^# source: .*corpus\/inc\/vs-b\.conf:1$/m);
  });

  it('takes --config-id for conditional lines', async () => {
    expect(await main(['import', '--config-id', 'lb1', join(CORPUS, 'conditionals.conf')])).toBe(0);
    expect(output.out).toMatch(/priority: 200/);
  });

  it('imports ipvsadm-save rules with --ipvsadm', async () => {
    expect(await main(['import', '--ipvsadm', join(FIXTURES, 'ipvsadm', 'seed-002.rules')])).toBe(0);
    expect(output.out).toMatch(/name: vs-203-0-113-100-80/);
  });

  it.each([[['import']], [['import', '--ipvsadm', 'x.rules', 'keepalived.conf']]])('exits 2 on %j', async (argv) => {
    expect(await main(argv)).toBe(2);
  });
});

describe('lvsctl export', () => {
  it('writes the imported seed back as a keepalived.conf that imports to the same objects', async () => {
    const objects = join(dir, 'export-src');
    expect(await main(['import', '--out', objects, seed000])).toBe(0);
    output.out = '';
    expect(await main(['export', objects])).toBe(0);
    expect(output.out).toMatch(/^vrrp_instance vi-1 \{$/m);
    expect(output.out).toMatch(/auth_pass 1111/);
    const conf = join(dir, 'exported.conf');
    writeFileSync(conf, output.out);
    output.out = '';
    expect(await main(['import', '--out', join(dir, 'again'), conf])).toBe(0);
    for (const f of readdirSync(objects)) {
      const strip = (t: string) => t.replace(/^# source: .*\n/, '');
      expect(strip(readFileSync(join(dir, 'again', f), 'utf8'))).toBe(strip(readFileSync(join(objects, f), 'utf8')));
    }
  });

  it('fails when a password Secret is missing', async () => {
    const objects = join(dir, 'no-secret');
    expect(await main(['import', '--out', objects, seed000])).toBe(0);
    rmSync(join(objects, 'secret-vi-1-auth.yaml'));
    output.out = '';
    expect(await main(['export', objects])).toBe(1);
    expect(output.err).toMatch(/Secret vi-1-auth key password is not among the inputs/);
  });
});
