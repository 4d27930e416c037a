/**
 * Hostile commands in tenants' manifests. Each case asserts the exact error and that nothing
 * else changed: a manifest the schema refuses yields that one issue; a command the director's
 * allowlist refuses yields that one CommandRefused issue while the object is still planned
 * with everything else it asked for; an allowlist entry the flag refuses is a usage error.
 */
import { describe, expect, it } from 'vitest';
import { validateObject, type ManifestObject } from '../../../src/api/index.js';
import { parseCommandAllowlist } from '../../../src/cli/flags.js';
import { planNode } from '../../../src/director/index.js';
import { buildModel, type ObjectRef } from '../../../src/model/index.js';
import { allowlistPolicy } from '../../../src/net/index.js';

const ALLOWED = '/usr/local/bin/check-db';
const policy = allowlistPolicy([ALLOWED]);
const node = { name: 'lb-1', labels: {} };
const WEB: ObjectRef = { kind: 'VirtualServer', namespace: 'tenant', name: 'web' };
const GROUP: ObjectRef = { kind: 'VrrpGroup', namespace: 'tenant', name: 'g' };
/** The plan of one object under the allowlist (no Secrets). */
const planOf = (object: ManifestObject) =>
  planNode(
    buildModel([object], () => undefined),
    node,
    undefined,
    undefined,
    policy,
  );

/** A VirtualServer with a TCP check and a MISC check running `command`. */
const withMisc = (command: unknown) => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VirtualServer',
  metadata: { name: 'web', namespace: 'tenant' },
  spec: {
    addresses: [{ ip: '192.0.2.10', port: 80 }],
    realServers: [{ address: '192.0.2.21', port: 80 }],
    healthChecks: [{ type: 'TCP' }, { type: 'MISC', misc: { command } }],
  },
});

/** A VrrpGroup whose notify master hook is `command`. */
const withNotify = (command: unknown) => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VrrpGroup',
  metadata: { name: 'g', namespace: 'tenant' },
  spec: {
    virtualRouterId: 51,
    interface: 'eth0',
    virtualIPs: [{ address: '192.0.2.10' }],
    notify: { master: command, backup: [ALLOWED, 'backup'] },
  },
});

/** A VrrpGroup with one track script running `command`. */
const withTrack = (command: unknown) => ({
  ...withNotify([ALLOWED]),
  spec: { ...withNotify([ALLOWED]).spec, trackScripts: [{ name: 't', command, weight: 10 }] },
});

const CONTROL = 'must not contain control characters (NUL, tab, newline, ...)';

describe('hostile commands refused by the schema (lvsctl validate, the folder source, the CRD pattern)', () => {
  it.each([
    {
      name: 'NUL byte in an argument',
      raw: withMisc([ALLOWED, 'a\u0000b']),
      path: 'spec.healthChecks.1.misc.command.1',
      message: CONTROL,
    },
    {
      name: 'NUL byte in the program',
      raw: withMisc(['/usr/local/bin/check\u0000-db']),
      path: 'spec.healthChecks.1.misc.command.0',
      message: CONTROL,
    },
    {
      name: 'newline in a notify hook (log forging)',
      raw: withNotify([ALLOWED, 'ok\nlevel=error forged']),
      path: 'spec.notify.master.1',
      message: CONTROL,
    },
    {
      name: 'carriage return in a track script',
      raw: withTrack([ALLOWED, 'x\ry']),
      path: 'spec.trackScripts.0.command.1',
      message: CONTROL,
    },
    {
      name: 'tab in an argument',
      raw: withMisc([ALLOWED, 'a\tb']),
      path: 'spec.healthChecks.1.misc.command.1',
      message: CONTROL,
    },
    {
      name: 'terminal escape sequence',
      raw: withNotify([ALLOWED, '\u001b[2J']),
      path: 'spec.notify.master.1',
      message: CONTROL,
    },
    {
      name: 'DEL character',
      raw: withMisc([ALLOWED, '\u007f']),
      path: 'spec.healthChecks.1.misc.command.1',
      message: CONTROL,
    },
    {
      name: 'empty program',
      raw: withNotify(['', '-c', 'id']),
      path: 'spec.notify.master.0',
      message: 'the program must not be empty',
    },
    {
      name: 'empty command',
      raw: withMisc([]),
      path: 'spec.healthChecks.1.misc.command',
      message: 'a command needs at least the program path',
    },
    {
      name: '65 argv elements',
      raw: withTrack(Array<string>(65).fill(ALLOWED)),
      path: 'spec.trackScripts.0.command',
      message: 'Too big: expected array to have <=64 items',
    },
    {
      name: 'a 4097-character argument',
      raw: withMisc([ALLOWED, 'a'.repeat(4097)]),
      path: 'spec.healthChecks.1.misc.command.1',
      message: 'Too big: expected string to have <=4096 characters',
    },
    {
      name: 'a shell string instead of argv',
      raw: withMisc('/usr/local/bin/check-db; rm -rf /'),
      path: 'spec.healthChecks.1.misc.command',
      message: 'Invalid input: expected array, received string',
    },
    {
      name: 'a number as program',
      raw: withNotify([0]),
      path: 'spec.notify.master.0',
      message: 'Invalid input: expected string, received number',
    },
  ])('$name', ({ raw, path, message }) => {
    const r = validateObject(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))).toEqual([{ path, message }]);
  });
});

function parse(raw: Record<string, unknown>): ManifestObject {
  const r = validateObject(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.object;
}

const notAllowed = (shown: string) =>
  `program ${shown} is not allowed on this director (the cluster admin allows programs with --allow-command); the command is not run`;
const notNormalised = (shown: string) =>
  `program ${shown} is not a normalised path (no ".", "..", "//" or trailing "/"); the command is not run`;

describe('hostile commands refused by the director allowlist (planning); the rest of the object runs', () => {
  it.each([
    {
      name: 'relative program',
      program: 'check-db',
      message: 'program "check-db" is not an absolute path; the command is not run',
    },
    {
      name: 'program found on PATH by a shell',
      program: 'sh',
      message: 'program "sh" is not an absolute path; the command is not run',
    },
    {
      name: '".." segments',
      program: '/usr/local/bin/../bin/check-db',
      message: notNormalised('"/usr/local/bin/../bin/check-db"'),
    },
    {
      name: '"." segment',
      program: '/usr/local/./bin/check-db',
      message: notNormalised('"/usr/local/./bin/check-db"'),
    },
    {
      name: 'trailing slash',
      program: '/usr/local/bin/check-db/',
      message: notNormalised('"/usr/local/bin/check-db/"'),
    },
    { name: 'double slash', program: '/usr/local//bin/check-db', message: notNormalised('"/usr/local//bin/check-db"') },
    {
      name: 'prefix match (a longer name)',
      program: '/usr/local/bin/check-db-evil',
      message: notAllowed('"/usr/local/bin/check-db-evil"'),
    },
    { name: "the allowed program's folder", program: '/usr/local/bin', message: notAllowed('"/usr/local/bin"') },
    { name: 'other case', program: '/usr/local/bin/Check-DB', message: notAllowed('"/usr/local/bin/Check-DB"') },
    { name: 'trailing space', program: '/usr/local/bin/check-db ', message: notAllowed('"/usr/local/bin/check-db "') },
    {
      name: 'Unicode hyphen look-alike',
      program: '/usr/local/bin/check\u2010db',
      message: notAllowed('"/usr/local/bin/check‐db"'),
    },
    {
      name: 'a 4096-character program, cut in the message',
      program: `/${'a'.repeat(4095)}`,
      message: notAllowed(`"/${'a'.repeat(79)}… (+4016 characters)"`),
    },
  ])('MISC check: $name', ({ program, message }) => {
    const plan = planOf(parse(withMisc([program, '--probe'])));
    expect(plan.issues.map((i) => [i.object, i.path.join('.'), i.reason, i.message])).toEqual([
      [WEB, 'spec.healthChecks.1.misc.command', 'CommandRefused', message],
    ]);
    // The service is programmed with its TCP check; the MISC check is omitted, not failing.
    expect(plan.services.map((s) => [s.ref, s.backends.map((b) => b.probes.map((p) => p.type))])).toEqual([
      ['tenant/web', [['TCP']]],
    ]);
  });

  it('notify hook off the allowlist: the group runs with its other hook', () => {
    const plan = planOf(parse(withNotify(['/bin/sh', '-c', 'id'])));
    expect(plan.issues.map((i) => [i.object, i.path.join('.'), i.reason, i.message])).toEqual([
      [GROUP, 'spec.notify.master', 'CommandRefused', notAllowed('"/bin/sh"')],
    ]);
    expect(plan.groups.map((g) => [g.ref, g.config.notify, g.config.virtualIPs])).toEqual([
      ['tenant/g', { backup: [ALLOWED, 'backup'] }, [{ address: '192.0.2.10', prefixLength: 32 }]],
    ]);
  });

  it('track script off the allowlist: the group runs without it', () => {
    const plan = planOf(parse(withTrack(['/usr/bin/curl', 'http://x'])));
    expect(plan.issues.map((i) => [i.object, i.path.join('.'), i.reason, i.message])).toEqual([
      [GROUP, 'spec.trackScripts.0.command', 'CommandRefused', notAllowed('"/usr/bin/curl"')],
    ]);
    expect(plan.groups.map((g) => [g.ref, g.config.trackScripts])).toEqual([['tenant/g', []]]);
  });

  it('shell syntax in the arguments of an allowed program is passed as argv, not refused', () => {
    const argv = [ALLOWED, '; rm -rf /', '$(id)', '`id`', '| nc 192.0.2.1 9'];
    const plan = planOf(parse(withMisc(argv)));
    expect(plan.issues).toEqual([]);
    const misc = plan.services[0]?.backends[0]?.probes.find((p) => p.type === 'MISC');
    expect(misc && 'command' in misc ? misc.command : undefined).toEqual(argv);
  });
});

describe('hostile --allow-command entries refused at start', () => {
  it.each([
    { name: 'relative path', entry: 'check-db', message: '--allow-command "check-db" is not an absolute path' },
    {
      name: 'trailing slash (a folder)',
      entry: '/usr/local/bin/',
      message: '--allow-command "/usr/local/bin/" is not a normalised path (no ".", "..", "//" or trailing "/")',
    },
    {
      name: '".." segment',
      entry: '/usr/local/../bin/sh',
      message: '--allow-command "/usr/local/../bin/sh" is not a normalised path (no ".", "..", "//" or trailing "/")',
    },
    { name: 'empty', entry: '', message: '--allow-command "": the program must not be empty' },
    { name: 'NUL byte', entry: '/usr/bin/x\u0000', message: `--allow-command "/usr/bin/x\\x00": ${CONTROL}` },
  ])('$name', ({ entry, message }) => {
    expect(() => parseCommandAllowlist([ALLOWED, entry])).toThrow(message);
  });

  it('no entry at all allows nothing', () => {
    expect(parseCommandAllowlist([])).toEqual({ mode: 'allowlist', programs: new Set() });
  });
});
