import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/lvsctl.js';
import { captureOutput } from '../../support/captured-output.js';

const dir = mkdtempSync(join(tmpdir(), 'lvsctl-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder of manifests: name → text. */
function folder(name: string, files: Record<string, string>): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
  return path;
}

const output = captureOutput();

const service = (name: string, ip: string, scheduler = 'rr') => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: ${ip}, port: 80 }]
  scheduler: ${scheduler}
  forwarding: NAT
  realServers: [{ address: 10.9.0.1, port: 8080 }]
`;

describe('lvsctl plan --offline (exit 0 no change, 2 changes, 1 error or refused)', () => {
  const current = folder('current', { 'web.yaml': service('web', '10.8.0.1') });

  it.each([
    {
      name: 'the same manifests: no change',
      files: { 'web.yaml': service('web', '10.8.0.1') },
      code: 0,
      out: /no changes/,
    },
    {
      name: 'a changed scheduler: changes',
      files: { 'web.yaml': service('web', '10.8.0.1', 'wlc') },
      code: 2,
      out: /^ {2}-E -t 10\.8\.0\.1:80 -s wlc$/m,
    },
    {
      name: 'an invalid object: refused',
      files: { 'web.yaml': service('web', '10.8.0.1', 'nope') },
      code: 1,
      out: /Refused \(left out when applied\):\n {2}VirtualServer\/web \(.*web\.yaml:\d+\): spec\.scheduler: /,
    },
  ])('$name', async ({ name, files, code, out: expected }) => {
    const next = folder(name.replace(/\W+/g, '-'), files);
    expect(await main(['plan', '--offline', '--current', current, next])).toBe(code);
    expect(output.out).toMatch(expected);
  });

  it('--allow-refused: refusals listed, the exit status says whether anything changes', async () => {
    const next = folder('refused-allowed', { 'web.yaml': service('web', '10.8.0.1', 'nope') });
    expect(await main(['plan', '--offline', '--allow-refused', '--current', current, next])).toBe(0);
    expect(output.out).toContain('Refused (left out when applied):');
  });

  it('JSON output', async () => {
    const next = folder('json', { 'web.yaml': service('web', '10.8.0.2') });
    expect(await main(['plan', '--offline', '--current', current, next, '-o', 'json'])).toBe(2);
    expect((JSON.parse(output.out) as { ipvs: { commands: string[] } }).ipvs.commands).toEqual([
      '-A -t 10.8.0.2:80 -s rr',
      '-a -t 10.8.0.2:80 -r 10.9.0.1:8080 -m -w 1',
      '-D -t 10.8.0.1:80',
    ]);
  });

  it.each([
    { name: 'a missing path', argv: [join(dir, 'missing')], message: `cannot read ${join(dir, 'missing')}` },
    { name: 'a bad flag value', argv: [current, '--node-label', 'x'], message: '--node-label must be key=value' },
    { name: 'a bad output format', argv: [current, '-o', 'yaml'], message: '--output must be one of text, json' },
    { name: 'an unknown flag', argv: [current, '--bogus'], message: "unknown option '--bogus'" },
  ])('bad input is an error, never "changes": $name', async ({ argv, message }) => {
    expect(await main(['plan', '--offline', ...argv])).toBe(1);
    expect(output.err).toContain(message);
  });
});
