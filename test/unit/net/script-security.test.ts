import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { ANY_COMMAND, SpawnProcessRunner } from '../../../src/net/index.js';
import { scriptInsecurity } from '../../../src/net/script-security.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("keepalived's enable_script_security", () => {
  // A root-only folder (root's home, 0700) for secure scripts; /tmp (1777) for insecure ones.
  let safe = '';
  let open = '';
  beforeAll(async () => {
    safe = await mkdtemp(join(homedir(), 'lvs-script-security-'));
    await chmod(safe, 0o755);
    open = await mkdtemp(join(tmpdir(), 'lvs-script-security-'));
    await chmod(open, 0o755);
  });
  afterAll(async () => {
    await rm(safe, { recursive: true, force: true });
    await rm(open, { recursive: true, force: true });
  });

  const script = async (dir: string, name: string, mode = 0o755, owner?: { uid: number; gid: number }) => {
    const path = join(dir, name);
    await writeFile(path, '#!/bin/sh\nexit 0\n');
    await chmod(path, mode);
    if (owner) await chown(path, owner.uid, owner.gid);
    return path;
  };

  it.each([
    { name: 'a system program', make: async () => '/usr/bin/true', why: undefined },
    { name: 'a bare name found on PATH', make: async () => 'true', why: undefined },
    { name: 'a root-owned script in a root-owned folder', make: () => script(safe, 'ok'), why: undefined },
    {
      name: 'a script owned by another user',
      make: () => script(safe, 'theirs', 0o755, { uid: 1000, gid: 0 }),
      why: (p: string) => `${p} is owned by uid 1000, not root`,
    },
    {
      name: 'a group-writable script of a non-root group',
      make: () => script(safe, 'group', 0o775, { uid: 0, gid: 1000 }),
      why: (p: string) => `${p} is writable by group 1000`,
    },
    {
      name: 'a world-writable script',
      make: () => script(safe, 'world', 0o757),
      why: (p: string) => `${p} is writable by everyone`,
    },
    {
      name: 'a secure script in a world-writable folder',
      make: () => script(open, 'in-tmp'),
      why: () => `${tmpdir()} is writable by everyone`,
    },
    {
      name: 'a secure-looking symlink to an insecure file',
      make: async () => {
        const target = await script(safe, 'target', 0o757);
        const link = join(safe, 'link');
        await symlink(target, link);
        return link;
      },
      why: () => `${join(safe, 'target')} is writable by everyone`,
    },
  ])('$name', async ({ make, why }) => {
    const path = await make();
    expect(await scriptInsecurity(path)).toBe(why?.(path));
  });

  it('the runner refuses an insecure program as root, runs it as another user, and runs secure ones', async () => {
    const runner = new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND, scriptSecurity: true });
    const insecure = await script(open, 'check', 0o755);
    await expect(runner.run({ kind: 'misc-check', argv: [insecure] })).resolves.toMatchObject({
      kind: 'refused',
      refusal: {
        reason: 'insecure',
        message: `program "${insecure}" is not run as root: ${tmpdir()} is writable by everyone`,
      },
    });
    await expect(
      runner.run({ kind: 'misc-check', argv: [insecure], ids: { uid: 65534, gid: 65534 } }),
    ).resolves.toMatchObject({ kind: 'exited', exitCode: 0 });
    await mkdir(join(safe, 'bin'));
    const secure = await script(join(safe, 'bin'), 'check');
    await expect(runner.run({ kind: 'misc-check', argv: [secure] })).resolves.toMatchObject({
      kind: 'exited',
      exitCode: 0,
    });
  });
});
