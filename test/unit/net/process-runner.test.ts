import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import {
  allowlistPolicy,
  ANY_COMMAND,
  SpawnProcessRunner,
  systemToolRequest,
  type CommandRefusal,
  type ProcessResult,
} from '../../../src/net/index.js';
import { FakeProcessRunner } from '../../../src/net/fake-process-runner.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const runner = (refused: CommandRefusal[] = []) =>
  new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND, onRefused: (_r, why) => refused.push(why) });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `holds` until true or the deadline; no fixed sleeps. */
async function eventually(holds: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SpawnProcessRunner', () => {
  it('runs argv without a shell and reports the exit status', async () => {
    const r = await runner().run({ kind: 'system', argv: ['/bin/sh', '-c', 'exit 3', '$(touch x)'] });
    expect(r).toMatchObject({ kind: 'exited', exitCode: 3 });
  });

  it('passes arguments verbatim, shell syntax included', async () => {
    const r = await runner().run({ kind: 'system', argv: ['/bin/echo', '$(id)', ';', '|'], captureOutput: true });
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0, stdout: '$(id) ; |\n' });
  });

  it('writes standard input and captures both outputs', async () => {
    const r = await runner().run({
      kind: 'system',
      argv: ['/bin/sh', '-c', 'cat; echo oops >&2'],
      input: 'hello',
      captureOutput: true,
    });
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0, stdout: 'hello', stderr: 'oops\n' });
  });

  it('cuts captured output at maxOutputBytes', async () => {
    const r = await runner().run({
      kind: 'system',
      argv: ['/bin/sh', '-c', 'printf 0123456789'],
      captureOutput: true,
      maxOutputBytes: 4,
    });
    expect(r).toMatchObject({ kind: 'exited', stdout: '0123' });
  });

  it('refuses a NUL byte as a result value, without throwing and without spawning', async () => {
    const refused: CommandRefusal[] = [];
    const pending = runner(refused).run({ kind: 'notify', argv: ['/bin/true', 'a\u0000b'] });
    await expect(pending).resolves.toMatchObject({
      kind: 'refused',
      refusal: {
        reason: 'invalid-argv',
        message: 'argument 1: must not contain control characters (NUL, tab, newline, ...)',
      },
    });
    expect(refused).toHaveLength(1);
  });

  it('reports ENOENT for a missing program', async () => {
    const r = await runner().run({ kind: 'misc-check', argv: [join(dir, 'missing')] });
    expect(r).toMatchObject({ kind: 'failed', errno: 'ENOENT' });
  });

  it('reports EACCES for a file that is not executable', async () => {
    const path = join(dir, 'not-executable');
    await writeFile(path, '#!/bin/sh\nexit 0\n');
    await chmod(path, 0o644);
    const r = await runner().run({ kind: 'misc-check', argv: [path] });
    expect(r).toMatchObject({ kind: 'failed', errno: 'EACCES' });
  });

  it('refuses a program off the allowlist before spawning it', async () => {
    const marker = join(dir, 'ran');
    const refused: CommandRefusal[] = [];
    const strict = new SpawnProcessRunner({
      clock: systemClock,
      policy: allowlistPolicy(['/usr/local/bin/check-db']),
      onRefused: (_r, why) => refused.push(why),
    });
    const r = await strict.run({ kind: 'notify', argv: ['/usr/bin/touch', marker] });
    expect(r).toMatchObject({ kind: 'refused', refusal: { reason: 'not-allowed' } });
    expect(refused.map((x) => x.reason)).toEqual(['not-allowed']);
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('on timeout sends SIGTERM to the group, then SIGKILL after the grace period', async () => {
    const pidFile = join(dir, 'pid-term');
    // The leader and its background child ignore SIGTERM: only the group SIGKILL ends them.
    const script = `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait`;
    const r = await runner().run({
      kind: 'misc-check',
      argv: ['/bin/sh', '-c', script],
      timeoutMs: 200,
      killGraceMs: 100,
    });
    expect(r.kind).toBe('timed-out');
    expect(r.elapsedMs).toBeGreaterThanOrEqual(250);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await eventually(() => !isAlive(pid));
  });

  it('kills what a timed-out leader leaves in its group when the leader exits on SIGTERM', async () => {
    const pidFile = join(dir, 'pid-left');
    const script = `(trap '' TERM; exec sleep 30) & echo $! > ${pidFile}; sleep 30`;
    const r = await runner().run({
      kind: 'notify',
      argv: ['/bin/sh', '-c', script],
      timeoutMs: 200,
      killGraceMs: 10_000,
    });
    expect(r.kind).toBe('timed-out');
    const pid = Number(await readFile(pidFile, 'utf8'));
    await eventually(() => !isAlive(pid));
  });

  it('stops the process when the signal aborts', async () => {
    const abort = new AbortController();
    const pending = runner().run({ kind: 'misc-check', argv: ['/bin/sleep', '30'], signal: abort.signal });
    abort.abort();
    await expect(pending).resolves.toMatchObject({ kind: 'timed-out' });
  });

  it('reports a process killed by someone else as signalled', async () => {
    const r = await runner().run({ kind: 'system', argv: ['/bin/sh', '-c', 'kill -9 $$'] });
    expect(r).toMatchObject({ kind: 'signalled', signal: 'SIGKILL' });
  });

  it.skipIf(process.getuid?.() !== 0)('runs as the given uid and gid', async () => {
    const r = await runner().run({
      kind: 'misc-check',
      argv: ['/bin/sh', '-c', 'echo $(id -u):$(id -g)'],
      ids: { uid: 65534, gid: 65534 },
      captureOutput: true,
    });
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0, stdout: '65534:65534\n' });
  });

  it('passes env on top of the inherited environment', async () => {
    const r = await runner().run({
      kind: 'notify',
      argv: ['/bin/sh', '-c', 'echo "$LVS_X"'],
      env: { LVS_X: 'y' },
      captureOutput: true,
    });
    expect(r).toMatchObject({ stdout: 'y\n' });
  });
});

describe('SpawnProcessRunner guarantees', () => {
  /** Calls run and reports a synchronous throw instead of letting it escape. */
  function runSync(runner: SpawnProcessRunner, request: Parameters<SpawnProcessRunner['run']>[0]) {
    try {
      return { promise: runner.run(request) };
    } catch (err) {
      return { thrown: err };
    }
  }

  it.each([
    { name: 'a uid spawn cannot pass (ERR_OUT_OF_RANGE)', extra: { ids: { uid: 1.5, gid: 0 } } },
    { name: 'an environment value with a NUL byte (ERR_INVALID_ARG_VALUE)', extra: { env: { LVS_X: 'a\u0000b' } } },
  ])('never throws synchronously: spawn throwing on $name is a failed result', async ({ extra }) => {
    const call = runSync(runner(), { kind: 'misc-check', argv: ['/bin/true'], ...extra });
    expect(call.thrown).toBeUndefined();
    const r = await call.promise;
    expect(r).toMatchObject({ kind: 'failed' });
    expect((r as ProcessResult & { kind: 'failed' }).errno).toMatch(/^ERR_/);
  });

  it('never throws or rejects when the refusal listener throws', async () => {
    const loud = new SpawnProcessRunner({
      clock: systemClock,
      policy: allowlistPolicy(['/bin/ok']),
      onRefused: () => {
        throw new Error('listener broke');
      },
    });
    const call = runSync(loud, { kind: 'notify', argv: ['/bin/no'] });
    expect(call.thrown).toBeUndefined();
    await expect(call.promise).resolves.toMatchObject({ kind: 'refused', refusal: { reason: 'not-allowed' } });
  });

  it('a system tool is outside the command policy, but still needs an argv execve can carry', async () => {
    const refused: CommandRefusal[] = [];
    const strict = new SpawnProcessRunner({
      clock: systemClock,
      policy: allowlistPolicy(['/usr/local/bin/check-db']),
      scriptSecurity: true,
      onRefused: (_r, why) => refused.push(why),
    });
    // A bare name on PATH, as the adapters run `ip`, `nft` and `iptables`.
    await expect(strict.run(systemToolRequest(['sh', '-c', 'exit 0']))).resolves.toMatchObject({
      kind: 'exited',
      exitCode: 0,
    });
    await expect(strict.run({ kind: 'misc-check', argv: ['sh', '-c', 'exit 0'] })).resolves.toMatchObject({
      kind: 'refused',
      refusal: { reason: 'not-absolute' },
    });
    await expect(strict.run(systemToolRequest(['sh', 'a\u0000b']))).resolves.toMatchObject({
      kind: 'refused',
      refusal: { reason: 'invalid-argv' },
    });
    expect(refused.map((x) => x.reason)).toEqual(['not-absolute', 'invalid-argv']);
  });

  it('a system tool past its timeout: the group is killed at once and the result is timed-out', async () => {
    const pidFile = join(dir, 'pid-tool');
    // The tool and its background child ignore SIGTERM: system tools get SIGKILL, no grace.
    const script = `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait`;
    const r = await runner().run(systemToolRequest(['/bin/sh', '-c', script], { timeoutMs: 200 }));
    expect(r.kind).toBe('timed-out');
    expect(r.elapsedMs).toBeLessThan(2000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await eventually(() => !isAlive(pid));
  });

  it('a system tool runs in the C locale with standard input and output', async () => {
    const r = await runner().run(systemToolRequest(['/bin/sh', '-c', 'echo "$LC_ALL"; cat'], { input: 'script' }));
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0, stdout: 'C\nscript' });
  });
});

describe('FakeProcessRunner', () => {
  it("applies the policy to objects' commands only, as the real runner does", async () => {
    const fake = new FakeProcessRunner(allowlistPolicy(['/bin/ok']));
    await expect(fake.run(systemToolRequest(['nft', '-j', 'list', 'ruleset']))).resolves.toMatchObject({
      kind: 'exited',
      exitCode: 0,
    });
    await expect(fake.run({ kind: 'track-script', argv: ['nft'] })).resolves.toMatchObject({ kind: 'refused' });
  });

  it('enforces the policy as the real runner does and records only what ran', async () => {
    const fake = new FakeProcessRunner(allowlistPolicy(['/bin/ok']));
    fake.results.set('/bin/ok', { kind: 'exited', exitCode: 1, stdout: 'x' });
    await expect(fake.run({ kind: 'notify', argv: ['/bin/ok'] })).resolves.toMatchObject({
      kind: 'exited',
      exitCode: 1,
      stdout: 'x',
    });
    await expect(fake.run({ kind: 'notify', argv: ['/bin/no'] })).resolves.toMatchObject({ kind: 'refused' });
    expect(fake.calls.map((c) => c.argv)).toEqual([['/bin/ok']]);
    expect(fake.refused.map((c) => c.refusal.reason)).toEqual(['not-allowed']);
  });
});
