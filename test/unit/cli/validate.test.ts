import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/lvsctl.js';
import { captureOutput } from '../../support/captured-output.js';

const dir = mkdtempSync(join(tmpdir(), 'lvsctl-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const output = captureOutput();

const service = (name: string, ip: string) => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata:
  name: ${name}
spec:
  addresses:
    - ip: ${ip}
      port: 80
  scheduler: rr
`;

describe('lvsctl validate', () => {
  it('exits 0 with a one-line summary when clean', async () => {
    const file = write('ok.yaml', service('web', '10.0.0.1'));
    expect(await main(['validate', file])).toBe(0);
    expect(output.out).toBe('1 objects in 1 files: 1 valid, 0 errors, 0 warnings\n');
    expect(output.err).toBe('');
  });

  it.each([
    {
      name: 'YAML syntax error',
      text: 'apiVersion: lvs.io/v1alpha1\nkind: VirtualServer\nmetadata:\n  name: web\n spec: [\n',
      line: /^FILE:5: /,
    },
    {
      name: 'wrong kind',
      text: service('web', '10.0.0.1').replace('kind: VirtualServer', 'kind: VirtualService'),
      line: /^FILE:2: VirtualService\/web: kind: unknown kind "VirtualService": expected VrrpGroup, VirtualServer, RealServer \(apiVersion lvs\.io\/v1alpha1\), or a v1 Secret$/,
    },
    {
      name: 'unknown field',
      text: service('web', '10.0.0.1').replace('  scheduler: rr', '  scheduler: rr\n  lb_algo: rr'),
      line: /^FILE:10: VirtualServer\/web: spec\.lb_algo: unknown field$/,
    },
    {
      name: 'bad value',
      text: service('web', '10.0.0.300'),
      line: /^FILE:7: VirtualServer\/web: spec\.addresses\[0\]\.ip: must be an IPv4 or IPv6 address, e\.g\. 192\.0\.2\.10 or 2001:db8::10$/,
    },
    {
      name: 'loopback VIP',
      text: service('web', '127.0.0.1'),
      line: /^FILE:7: VirtualServer\/web: spec\.addresses\[0\]\.ip: 127\.0\.0\.1 is a loopback address; a VIP must be a unicast address that clients can reach$/,
    },
    {
      name: 'VRRP VIP 0.0.0.0/0',
      text: 'apiVersion: lvs.io/v1alpha1\nkind: VrrpGroup\nmetadata:\n  name: g\nspec:\n  virtualRouterId: 51\n  interface: eth0\n  virtualIPs:\n    - address: 0.0.0.0/0\n',
      line: /^FILE:9: VrrpGroup\/g: spec\.virtualIPs\[0\]\.address: 0\.0\.0\.0\/0 is the unspecified address; a VIP must be a unicast address reachable on the interface$/,
    },
    {
      name: 'duplicate VIP',
      text: `${service('web', '10.0.0.1')}---\n${service('web-2', '10.0.0.1')}`,
      line: /^FILE:17: VirtualServer\/web-2: spec\.addresses\[0\]: 10\.0\.0\.1:80\/TCP is already served by VirtualServer default\/web \(FILE:1\)$/,
    },
    {
      name: 'NUL byte in a command',
      text: `${service('web', '10.0.0.1')}  healthChecks:\n    - type: MISC\n      misc:\n        command: ["/usr/local/bin/check", "a\\0b"]\n`,
      line: /^FILE:13: VirtualServer\/web: spec\.healthChecks\[0\]\.misc\.command\[1\]: must not contain control characters \(NUL, tab, newline, \.\.\.\)$/,
    },
  ])('$name: documented error line, exit 1, no stack trace', async ({ name, text, line }) => {
    const file = write(`${name.replace(/\W+/g, '-')}.yaml`, text);
    expect(await main(['validate', file])).toBe(1);
    const lines = output.err.trimEnd().split('\n');
    const expected = new RegExp(line.source.replaceAll('FILE', file.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    expect(lines[0]).toMatch(expected);
    expect(lines.at(-1)).toMatch(/^\d+ objects in 1 files: \d+ valid, [1-9]\d* errors, 0 warnings$/);
    expect(output.err).not.toMatch(/\n\s+at /);
  });

  it('a bad object does not hide the good ones in the same file', async () => {
    const file = write('mixed.yaml', `${service('good', '10.0.0.1')}---\n${service('bad', 'x')}`);
    expect(await main(['validate', file])).toBe(1);
    expect(output.err).toMatch(/2 objects in 1 files: 1 valid, 1 errors/);
  });

  it('reports a missing path as a diagnostic', async () => {
    expect(await main(['validate', join(dir, 'nope.yaml')])).toBe(1);
    expect(output.err).toContain('nope.yaml:1: cannot read: ENOENT');
  });

  it('prints JSON with -o json', async () => {
    const file = write('bad.yaml', service('web', 'x'));
    expect(await main(['validate', '-o', 'json', file])).toBe(1);
    const doc = JSON.parse(output.out) as { diagnostics: { path: string; line: number }[] };
    expect(doc.diagnostics).toMatchObject([{ path: 'spec.addresses[0].ip', line: 7 }]);
  });

  it('exits 2 on usage errors', async () => {
    expect(await main(['validate'])).toBe(2);
    expect(await main(['validate', '-o', 'xml', 'x'])).toBe(2);
    expect(await main(['no-such-command'])).toBe(2);
  });

  it('exits 0 on --help', async () => {
    expect(await main(['validate', '--help'])).toBe(0);
    expect(output.out).toContain('file:line: Kind/name: field.path: message');
  });
});
