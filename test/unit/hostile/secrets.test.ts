import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/lvsctl.js';

// Hostile Secret manifests: broken in every way a hand or a generator can break them, each
// carrying a marker as the password. `lvsctl validate` must name the problem precisely, keep
// the good file next to it valid, and print the marker nowhere, in any output format.

const MARKER = 'Zq7-MARKER-s3cr3t';
const dir = mkdtempSync(join(tmpdir(), 'hostile-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out = '';
let err = '';
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
beforeEach(() => {
  out = err = '';
  warnings.length = 0;
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  process.on('warning', onWarning);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.off('warning', onWarning);
  process.exitCode = undefined;
});

const head = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: vrrp-auth\ntype: lvs.io/vrrp-auth\n';
const good = `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata:
  name: web
spec:
  addresses: [{ ip: 192.0.2.10, port: 80 }]
  scheduler: rr
`;

/** Each case: the Secret file, and the one diagnostic line it must give ("FILE" is its path). */
const CASES: { name: string; text: string; line: string }[] = [
  {
    name: 'unclosed double quote',
    text: `${head}stringData:\n  password: "${MARKER}\n`,
    line: 'FILE:8: a closing quote, bracket or brace is missing',
  },
  {
    name: 'unclosed single quote',
    text: `${head}stringData:\n  password: '${MARKER}\n  other: x\n`,
    line: 'FILE:9: a closing quote, bracket or brace is missing',
  },
  {
    name: 'duplicate key',
    text: `${head}stringData:\n  password: ${MARKER}\n  password: ${MARKER}\n`,
    line: 'FILE:8: map keys must be unique',
  },
  {
    name: 'alias without anchor named like the password',
    text: `${head}stringData:\n  password: *${MARKER}\n`,
    line: 'FILE:1: an alias (*name) has no anchor before it',
  },
  {
    name: 'invalid escape in a double-quoted password',
    text: `${head}stringData:\n  password: "\\q${MARKER}"\n`,
    line: 'FILE:7: invalid escape sequence in a double-quoted string',
  },
  {
    name: 'tab as indentation',
    text: `${head}stringData:\n\tpassword: ${MARKER}\n`,
    line: 'FILE:7: tabs cannot be used for indentation',
  },
  {
    name: 'password that looks like a nested mapping',
    text: `${head}stringData:\n  password: ${MARKER}: x\n`,
    line: 'FILE:7: a mapping cannot follow a key on its line; quote a value that contains ": "',
  },
  {
    name: 'unclosed flow mapping',
    text: `${head}stringData: {password: ${MARKER}\n`,
    line: 'FILE:7: bad indentation, or a { } or [ ] left open',
  },
  {
    name: 'two anchors on the password',
    text: `${head}stringData:\n  password: &a &b ${MARKER}\n`,
    line: 'FILE:7: a node can have at most one anchor',
  },
  {
    name: 'implicit key longer than 1024 characters',
    text: `${head}stringData:\n  ${MARKER.repeat(70)}: x\n`,
    line: 'FILE:7: an implicit key is longer than 1024 characters',
  },
  {
    name: 'data value not base64',
    text: `${head}data:\n  password: "${MARKER}!"\n`,
    line: 'FILE:7: Secret/vrrp-auth: data.password: Secret data values must be base64',
  },
  {
    name: 'data value a mapping',
    text: `${head}data:\n  password: { value: ${MARKER} }\n`,
    line: 'FILE:7: Secret/vrrp-auth: data.password: Invalid input: expected string, received object',
  },
  {
    name: 'stringData value a list',
    text: `${head}stringData:\n  password: [${MARKER}, ${MARKER}]\n`,
    line: 'FILE:7: Secret/vrrp-auth: stringData.password: Invalid input: expected string, received array',
  },
  {
    name: 'stringData a plain string',
    text: `${head}stringData: ${MARKER}\n`,
    line: 'FILE:6: Secret/vrrp-auth: stringData: Invalid input: expected record, received string',
  },
  {
    name: 'Secret of an unknown apiVersion',
    text: `${head.replace('apiVersion: v1', 'apiVersion: v2')}stringData:\n  password: ${MARKER}\n`,
    line: 'FILE:2: Secret/vrrp-auth: kind: unknown kind "Secret": expected VrrpGroup, VirtualServer, RealServer (apiVersion lvs.io/v1alpha1), or a v1 Secret',
  },
  {
    name: 'Secret without a name',
    text: `apiVersion: v1\nkind: Secret\nmetadata: {}\nstringData:\n  password: ${MARKER}\n`,
    line: 'FILE:3: Secret/?: metadata.name: Invalid input: expected string, received undefined',
  },
];

describe('hostile Secret manifests', () => {
  it.each(CASES)('$name: a precise error, the marker nowhere', async ({ name, text, line }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    const other = join(dir, `${name.replace(/\W+/g, '-')}-good.yaml`);
    writeFileSync(file, text);
    writeFileSync(other, good);
    expect(await main(['validate', file, other])).toBe(1);
    const lines = err.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual([line.replace('FILE', file)]);
    expect(lines.at(-1)).toMatch(/: 1 valid, 1 errors, 0 warnings$/);
    for (const format of ['json', 'yaml']) {
      expect(await main(['validate', '-o', format, file, other])).toBe(1);
    }
    expect(out).toContain('"valid": 1');
    expect(`${out}\n${err}\n${warnings.join('\n')}`).not.toContain(MARKER);
  });
});

/** keepalived.conf around one authentication block. */
const keepalived = (auth: string) => `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  authentication {
${auth}
  }
  virtual_ipaddress {
    192.0.2.10
  }
}
`;

/** Hostile auth_pass lines for `lvsctl import`: stderr says exactly this ("FILE": the path). */
const IMPORT_CASES: { name: string; auth: string; stderr: string[]; exit: number }[] = [
  {
    name: 'unterminated quote in auth_pass',
    auth: `    auth_type PASS\n    auth_pass "${MARKER}`,
    stderr: [
      'FILE:8:15: error: unterminated double quote: the word runs to the end of the line [KA_UNTERMINATED_QUOTE]',
      'import failed: 1 errors, 0 warnings; nothing written',
    ],
    exit: 1,
  },
  {
    name: 'auth_pass under auth_type AH',
    auth: `    auth_type AH\n    auth_pass ${MARKER}`,
    stderr: [
      'FILE:7:5: warning: auth_type AH is not carried: only PASS authentication exists (IPsec AH is not supported) [KA_NOT_CARRIED]',
      'wrote 1 objects to OUT',
    ],
    exit: 0,
  },
  {
    name: 'a stray brace glued to the password',
    auth: `    auth_type PASS\n    auth_pass ${MARKER}}`,
    stderr: [
      'FILE:1:1: error: vrrp_instance VI_1 has no virtual_ipaddress (a VrrpGroup needs at least one) [KA_MISSING_VALUE]',
      'FILE:10:3: warning: virtual_ipaddress in the top level is not carried: lvs-operator has no equivalent [KA_NOT_CARRIED]',
      'FILE:13:1: error: a "}" without a block to close [KA_UNEXPECTED_CLOSE]',
      'import failed: 2 errors, 1 warnings; nothing written',
    ],
    exit: 1,
  },
  {
    name: 'auth_pass with a block',
    auth: `    auth_type PASS\n    auth_pass ${MARKER} {\n    }`,
    stderr: ['wrote 2 objects to OUT'],
    exit: 0,
  },
];

describe('hostile auth_pass in keepalived.conf', () => {
  it.each(IMPORT_CASES)(
    '$name: a precise report, the password only in the Secret',
    async ({ name, auth, stderr, exit }) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.conf`);
      const outDir = join(dir, `${name.replace(/\W+/g, '-')}-out`);
      writeFileSync(file, keepalived(auth));
      expect(await main(['import', '--out', outDir, file])).toBe(exit);
      expect(err.trimEnd().split('\n')).toEqual(stderr.map((l) => l.replace('FILE', file).replace('OUT', outDir)));
      expect(`${out}\n${err}\n${warnings.join('\n')}`).not.toContain(MARKER);
    },
  );
});
