/**
 * Hostile input for the two readers of files: the standalone manifest folder and
 * `lvsctl import`. Every case ends with a precise error (never a hang, a crash or gigabytes of
 * memory: each must finish well inside the test timeout) and loses nothing else: the other
 * files still apply, and a file that turns bad keeps its last good objects.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/lvsctl.js';
import {
  fileSystemSource,
  memorySource,
  parseKeepalived,
  PARSE_LIMITS,
  type Diagnostic as KaDiagnostic,
} from '../../../src/keepalived/index.js';
import {
  EMPTY_SNAPSHOT,
  formatDiagnostic,
  loadManifestPaths,
  mergeWithLastGood,
  MANIFEST_FILE_MAX_BYTES,
  type ManifestSnapshot,
} from '../../../src/sources/index.js';
import { describeAsRoot } from '../../support/privileges.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const base = mkdtempSync(join(tmpdir(), 'lvs-hostile-'));
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(base, { recursive: true, force: true });
});

const service = (name: string, ip: string) => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: ${ip}, port: 80 }]
  scheduler: rr
`;

let folders = 0;

/** A folder with good.yaml and a valid victim.yaml, loaded once: the last good state. */
async function folderWithVictim(): Promise<{ dir: string; previous: ManifestSnapshot }> {
  const dir = join(base, `f${folders++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'good.yaml'), service('good', '10.0.0.1'));
  writeFileSync(join(dir, 'victim.yaml'), service('victim', '10.0.0.2'));
  const first = await loadManifestPaths([dir]);
  const previous = mergeWithLastGood(EMPTY_SNAPSHOT, first.documents, first.diagnostics);
  expect(previous.objects.map((o) => o.object.metadata.name)).toEqual(['good', 'victim']);
  return { dir, previous };
}

/** Reloads and returns the problems (paths relative to the folder) and the names in effect. */
async function reload(dir: string, previous: ManifestSnapshot) {
  const loaded = await loadManifestPaths([dir]);
  const next = mergeWithLastGood(previous, loaded.documents, loaded.diagnostics);
  return {
    problems: next.diagnostics.map((d) => formatDiagnostic(d).replaceAll(`${dir}/`, '')),
    names: next.objects.map((o) => o.object.metadata.name).sort(),
    unavailable: loaded.unavailable,
  };
}

const aliasBomb = [
  'a0: &a0 [lol]',
  ...Array.from({ length: 20 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}]`),
].join('\n');

interface FolderCase {
  readonly name: string;
  /** Makes victim.yaml (or something next to it) hostile. */
  readonly make: (dir: string) => void | Promise<void>;
  /** Exact problems after the reload (a pattern where the parser's stack depth decides). */
  readonly problems: readonly (string | RegExp)[];
  /** Names in effect after the reload (good always; victim kept when its file only went bad). */
  readonly names?: readonly string[];
}

const victim = (dir: string) => join(dir, 'victim.yaml');
const replaceVictim = (dir: string, make: (path: string) => void) => {
  rmSync(victim(dir));
  make(victim(dir));
};

const folderCases: FolderCase[] = [
  {
    name: 'a FIFO named like a manifest',
    make: (dir) => replaceVictim(dir, (p) => execFileSync('mkfifo', [p])),
    problems: ['victim.yaml:1: not a regular file (a FIFO); not read'],
  },
  {
    name: 'a Unix socket',
    make: async (dir) => {
      rmSync(victim(dir));
      const server = createServer();
      servers.push(server);
      await new Promise<void>((r) => server.listen(victim(dir), r));
    },
    problems: ['victim.yaml:1: not a regular file (a socket); not read'],
  },
  {
    name: 'a character device (/dev/zero made in the folder)',
    make: (dir) => replaceVictim(dir, (p) => execFileSync('mknod', [p, 'c', '1', '5'])),
    problems: ['victim.yaml:1: not a regular file (a character device); not read'],
  },
  {
    name: 'a symbolic link to a FIFO inside the folder',
    make: (dir) => {
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      replaceVictim(dir, (p) => symlinkSync('pipe', p));
    },
    problems: ['victim.yaml:1: not a regular file (a FIFO); not read'],
  },
  {
    name: 'a symbolic link loop',
    make: (dir) => {
      symlinkSync('victim.yaml', join(dir, 'loop.yaml'));
      replaceVictim(dir, (p) => symlinkSync('loop.yaml', p));
    },
    problems: ['loop.yaml:1: broken symbolic link: ELOOP', 'victim.yaml:1: broken symbolic link: ELOOP'],
  },
  {
    name: 'a folder link back to the folder itself (read once)',
    make: (dir) => {
      mkdirSync(join(dir, 'sub'));
      symlinkSync('..', join(dir, 'sub', 'up'));
      symlinkSync('.', join(dir, 'self'));
    },
    problems: [],
  },
  {
    name: 'a symbolic link leading outside the folder',
    make: (dir) => {
      writeFileSync(join(base, 'outside.yaml'), service('intruder', '10.0.0.9'));
      replaceVictim(dir, (p) => symlinkSync(join(base, 'outside.yaml'), p));
    },
    problems: [`victim.yaml:1: symbolic link leads outside the folder (to ${base}/outside.yaml); not read`],
  },
  {
    name: 'a symbolic link to /dev/zero',
    make: (dir) => replaceVictim(dir, (p) => symlinkSync('/dev/zero', p)),
    problems: ['victim.yaml:1: symbolic link leads outside the folder (to /dev/zero); not read'],
  },
  {
    name: 'a dangling symbolic link',
    make: (dir) => replaceVictim(dir, (p) => symlinkSync('gone.yaml', p)),
    problems: ['victim.yaml:1: broken symbolic link: ENOENT'],
  },
  {
    name: 'a file one byte over the size limit',
    make: (dir) => truncateSync(victim(dir), MANIFEST_FILE_MAX_BYTES + 1),
    problems: [`victim.yaml:1: larger than the limit of ${MANIFEST_FILE_MAX_BYTES} bytes; not read`],
  },
  {
    name: 'a 10 MB name (the file is over the size limit)',
    make: (dir) => writeFileSync(victim(dir), service('n'.repeat(10_000_000), '10.0.0.2')),
    problems: [`victim.yaml:1: larger than the limit of ${MANIFEST_FILE_MAX_BYTES} bytes; not read`],
  },
  {
    name: 'a 3 MB name (under the size limit: the name is cut in the message)',
    make: (dir) => writeFileSync(victim(dir), service('n'.repeat(3_000_000), '10.0.0.2')),
    problems: [
      `victim.yaml:3: VirtualServer/${'n'.repeat(80)}… (+2999920 characters): metadata.name: Too big: expected string to have <=253 characters`,
    ],
    names: ['good'],
  },
  {
    name: 'a YAML alias bomb',
    make: (dir) => writeFileSync(victim(dir), aliasBomb),
    problems: ['victim.yaml:1: document expands more than 100 YAML aliases; not read'],
  },
  {
    name: 'binary junk (not UTF-8)',
    make: (dir) => writeFileSync(victim(dir), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a])),
    problems: ['victim.yaml:1: not UTF-8 text; not read'],
  },
  {
    name: 'NUL bytes in the text',
    make: (dir) => writeFileSync(victim(dir), `${service('victim', '10.0.0.2')}\0\0\0`),
    problems: ['victim.yaml:7: a closing quote, bracket or brace is missing'],
  },
  {
    name: 'a byte order mark (read as the text after it)',
    make: (dir) => writeFileSync(victim(dir), `\ufeff${service('victim', '10.0.0.3')}`),
    problems: [],
  },
  {
    name: 'nesting deeper than the parser recurses',
    make: (dir) => writeFileSync(victim(dir), '['.repeat(100_000)),
    problems: ['victim.yaml:1: nested too deeply to parse'],
  },
  {
    name: 'duplicate keys',
    make: (dir) => writeFileSync(victim(dir), `${service('victim', '10.0.0.2')}scheduler: wlc\nkind: Secret\n`),
    problems: ['victim.yaml:8: map keys must be unique'],
  },
  {
    name: 'a second document that is broken (the first still applies)',
    make: (dir) => writeFileSync(victim(dir), `${service('victim', '10.0.0.2')}---\nkind: [\n`),
    problems: ['victim.yaml:9: bad indentation, or a { } or [ ] left open'],
  },
  {
    name: 'a folder named like a manifest, holding a FIFO',
    make: (dir) => {
      mkdirSync(join(dir, 'more.yaml'));
      execFileSync('mkfifo', [join(dir, 'more.yaml', 'x.yaml')]);
    },
    problems: ['more.yaml/x.yaml:1: not a regular file (a FIFO); not read'],
    names: ['good', 'victim'],
  },
  {
    name: 'a FIFO that is hidden or not named like a manifest (ignored)',
    make: (dir) => {
      execFileSync('mkfifo', [join(dir, '.hidden.yaml')]);
      execFileSync('mkfifo', [join(dir, 'notes')]);
    },
    problems: [],
  },
];

describe('hostile manifest folders: the exact error, the other files applied, nothing lost', () => {
  it.each(folderCases)('$name', async (c) => {
    const { dir, previous } = await folderWithVictim();
    await c.make(dir);
    const after = await reload(dir, previous);
    expect(after.problems).toHaveLength(c.problems.length);
    c.problems.forEach((p, i) =>
      typeof p === 'string' ? expect(after.problems[i]).toBe(p) : expect(after.problems[i]).toMatch(p),
    );
    expect(after.names).toEqual(c.names ?? ['good', 'victim']);
    expect(after.unavailable).toEqual([]);
  });

  it('an empty file and a file of document markers mean no objects, without errors', async () => {
    const { dir, previous } = await folderWithVictim();
    writeFileSync(victim(dir), '');
    writeFileSync(join(dir, 'dashes.yaml'), '---\n---\n');
    expect(await reload(dir, previous)).toEqual({ problems: [], names: ['good'], unavailable: [] });
  });

  it('a missing folder is unavailable, not empty', async () => {
    const loaded = await loadManifestPaths([join(base, 'never-made')]);
    expect(loaded.unavailable).toEqual([{ path: join(base, 'never-made'), reason: 'cannot read: ENOENT' }]);
    expect(loaded.documents).toEqual([]);
  });
});

// keepalived.conf -------------------------------------------------------------------------

const codes = (ds: readonly KaDiagnostic[]) => ds.map((d) => `${d.file}:${d.line}: ${d.code}: ${d.message}`);
const keywords = (res: ReturnType<typeof parseKeepalived>) => res.statements.map((s) => s.keyword);

interface ImportCase {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly problems: readonly string[];
  /** Statements kept from the well-formed part (the "good" lines around the bomb). */
  readonly kept: readonly string[];
}

/**
 * Each file includes the next one twice, 30 levels (just inside the include depth): 2^30
 * includes without a bound.
 */
const diamond: Record<string, string> = { '/k/main.conf': 'good_before 1\ninclude d0.conf\ngood_after 1\n' };
for (let i = 0; i < 29; i++) diamond[`/k/d${i}.conf`] = `include d${i + 1}.conf\ninclude d${i + 1}.conf\n`;
diamond['/k/d29.conf'] = '# the bottom of the diamond: nothing but work\n';

/** 11 levels of 10-line values: 10^11 lines, every one a definition, so no line is output. */
function multiLineBomb(): string {
  const lines = ['good_before 1', '$V0=\\', ...Array<string>(9).fill('$D=1 \\'), '$D=1'];
  for (let i = 1; i <= 11; i++) lines.push(`$V${i}=\\`, ...Array<string>(9).fill(`$V${i - 1} \\`), `$V${i - 1}`);
  lines.push('$V11', 'good_after 1');
  return `${lines.join('\n')}\n`;
}

const importCases: ImportCase[] = [
  {
    name: 'a 30-level include diamond',
    files: diamond,
    problems: [
      `/k/d28.conf:1: KA_INPUT_LIMIT: more than ${PARSE_LIMITS.includes} includes in all (a file included twice counts twice) (PARSE_LIMITS.includes); reading stopped here`,
    ],
    kept: ['good_before'],
  },
  {
    name: '11 levels of multi-line $VAR',
    files: { '/k/main.conf': multiLineBomb() },
    problems: [
      `/k/main.conf:134: KA_INPUT_LIMIT: more than ${PARSE_LIMITS.expansions} lines after expansion, definitions and empty lines included (PARSE_LIMITS.expansions); reading stopped here`,
    ],
    kept: ['good_before'],
  },
  {
    name: '~SEQ over a self-referencing 60 KB variable',
    files: { '/k/main.conf': `good_before 1\n$X=${'a'.repeat(60_000)} $X\n~SEQ(i, 65536) v $X\ngood_after 1\n` },
    problems: [
      '/k/main.conf:3: KA_EXPANSION_LIMIT: parameter substitution does not end (a definition refers to itself?)',
      `/k/main.conf:3: KA_INPUT_LIMIT: more than ${PARSE_LIMITS.substitutedChars} characters produced by parameter substitution (PARSE_LIMITS.substitutedChars); reading stopped here`,
    ],
    kept: ['good_before'],
  },
  {
    name: 'an include cycle through three files',
    files: {
      '/k/main.conf': 'good_before 1\ninclude a.conf\ngood_after 1\n',
      '/k/a.conf': 'include b.conf\n',
      '/k/b.conf': 'include a.conf\n',
    },
    problems: ['/k/b.conf:1: KA_INCLUDE_LOOP: include loop: a.conf -> b.conf -> a.conf'],
    kept: ['good_before', 'good_after'],
  },
  {
    name: 'an unterminated block',
    files: { '/k/main.conf': 'good_before 1\nvrrp_instance VI {\n  state BACKUP\n' },
    problems: ['/k/main.conf:2: KA_UNCLOSED_BLOCK: the block of "vrrp_instance" is never closed: a "}" is missing'],
    kept: ['good_before', 'vrrp_instance'],
  },
  {
    name: 'NUL bytes',
    files: { '/k/main.conf': 'good_before 1\nfoo\0bar 1\ngood_after 1\n' },
    problems: [],
    kept: ['good_before', 'foo\0bar', 'good_after'],
  },
  {
    name: 'an include pattern of 2 MB (cut in the message)',
    files: { '/k/main.conf': `good_before 1\ninclude ${'p'.repeat(2_000_000)}\ngood_after 1\n` },
    problems: [
      `/k/main.conf:2: KA_INCLUDE_MISSING: included file ${'p'.repeat(80)}… (+1999920 characters) does not exist or cannot be read`,
    ],
    kept: ['good_before', 'good_after'],
  },
  {
    name: 'includes nested 40 deep',
    files: Object.fromEntries([
      ['/k/main.conf', 'good_before 1\ninclude n0.conf\ngood_after 1\n'],
      ...Array.from({ length: 40 }, (_, i) => [`/k/n${i}.conf`, `include n${i + 1}.conf\n`]),
      ['/k/n40.conf', 'leaf 1\n'],
    ]) as Record<string, string>,
    problems: [`/k/n30.conf:1: KA_INCLUDE_DEPTH: includes nest deeper than ${PARSE_LIMITS.includeDepth} files`],
    kept: ['good_before', 'good_after'],
  },
];

describe('hostile keepalived.conf: bounded by outcome, with the file and line', () => {
  it.each(importCases)('$name', ({ files, problems, kept }) => {
    const res = parseKeepalived('/k/main.conf', memorySource(files));
    expect(codes(res.diagnostics)).toEqual(problems);
    expect(keywords(res).filter((k) => k !== 'leaf' && k !== 'v')).toEqual(kept);
  });
});

describe('hostile keepalived.conf on the file system: only regular files, never blocking', () => {
  const dir = join(base, 'ka');
  mkdirSync(dir, { recursive: true });
  const main = (include: string) => {
    const file = join(dir, `main-${Math.random().toString(36).slice(2)}.conf`);
    writeFileSync(file, `good_before 1\ninclude ${include}\ngood_after 1\n`);
    return file;
  };

  it.each([
    { name: 'include /dev/zero', target: () => '/dev/zero', problem: 'is a character device, not a regular file' },
    {
      name: 'include of a FIFO',
      target: () => {
        execFileSync('mkfifo', [join(dir, 'pipe.conf')]);
        return 'pipe.conf';
      },
      problem: 'is a FIFO, not a regular file',
    },
    {
      name: 'include of a folder',
      target: () => {
        mkdirSync(join(dir, 'conf.d'), { recursive: true });
        return 'conf.d';
      },
      problem: 'is a folder, not a regular file',
    },
    {
      name: 'include of a file over the size limit',
      target: () => {
        writeFileSync(join(dir, 'huge.conf'), '');
        truncateSync(join(dir, 'huge.conf'), 64 * 1024 * 1024 + 1);
        return 'huge.conf';
      },
      problem: `is larger than the limit of ${64 * 1024 * 1024} bytes`,
    },
  ])('$name', ({ target, problem }) => {
    const include = target();
    const file = main(include);
    const res = parseKeepalived(file, fileSystemSource);
    expect(codes(res.diagnostics)).toEqual([
      `${file}:2: KA_INCLUDE_MISSING: included file ${include} ${problem}; not read`,
    ]);
    expect(keywords(res)).toEqual(['good_before', 'good_after']);
  });

  it('a FIFO as the entry file is refused at once', () => {
    const fifo = join(dir, 'entry.conf');
    execFileSync('mkfifo', [fifo]);
    const res = parseKeepalived(fifo, fileSystemSource);
    expect(codes(res.diagnostics)).toEqual([
      `${fifo}:1: KA_INCLUDE_MISSING: cannot read ${fifo}: is a FIFO, not a regular file`,
    ]);
  });
});

describeAsRoot('lvsctl validate over a subfolder and a file it cannot read', () => {
  it('reports each path and goes on with the others', () => {
    const dir = join(base, 'validate');
    mkdirSync(join(dir, 'locked'), { recursive: true });
    mkdirSync(join(dir, 'open'));
    writeFileSync(join(dir, 'open', 'web.yaml'), service('web', '10.0.0.1'));
    writeFileSync(join(dir, 'open', 'secret.yaml'), service('secret', '10.0.0.2'));
    chmodSync(base, 0o755);
    chmodSync(join(dir, 'locked'), 0o000);
    chmodSync(join(dir, 'open', 'secret.yaml'), 0o000);
    // As an unprivileged user: root reads any folder.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/lvsctl.ts'), 'validate', dir], {
      cwd: root,
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `${dir}/locked:1: cannot list folder: EACCES`,
      `${dir}/open/secret.yaml:1: cannot read: EACCES`,
      '1 objects in 1 files: 1 valid, 2 errors, 0 warnings',
    ]);
    expect(r.status).toBe(1);
  });
});

describe('lvsctl import --ipvsadm of a FIFO', () => {
  it('refuses it at once with the reason instead of waiting for a writer', async () => {
    const fifo = join(base, 'rules.fifo');
    execFileSync('mkfifo', [fifo]);
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      expect(await main(['import', '--ipvsadm', fifo])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(err).toBe(`lvsctl: cannot read ${fifo}: is a FIFO, not a regular file\n`);
  });
});
