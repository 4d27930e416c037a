/**
 * The addon refuses bad arguments with a TypeError or RangeError (code LVS_NATIVE_ARGS) before
 * any system call; no socket is needed to check it.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

interface Binding {
  sendTo(fd: unknown, data: unknown, address: unknown): number;
  recvFrame(fd: unknown, data: unknown): number;
  attachFilter(fd: unknown, program: unknown): void;
}

const binding = createRequire(import.meta.url)('../../../native/build/Release/lvs_native.node') as Binding;

describe('native addon argument checks', () => {
  it.each([
    [
      'a negative fd',
      () => binding.sendTo(-1, Buffer.alloc(1), Buffer.alloc(4)),
      TypeError,
      'fd must be a non-negative integer',
    ],
    ['a string fd', () => binding.recvFrame('3', Buffer.alloc(1)), TypeError, 'fd must be a non-negative integer'],
    ['data that is not a Buffer', () => binding.sendTo(3, 'x', Buffer.alloc(4)), TypeError, 'data must be a Buffer'],
    [
      'an address that is not a Buffer',
      () => binding.sendTo(3, Buffer.alloc(1), [1, 2, 3, 4]),
      TypeError,
      'address must be a Buffer',
    ],
    [
      'an address of 5 bytes',
      () => binding.sendTo(3, Buffer.alloc(1), Buffer.alloc(5)),
      RangeError,
      'address 4 or 16 bytes',
    ],
  ])('%s', (_what, call, type, message) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(type);
    expect(thrown).toMatchObject({ code: 'LVS_NATIVE_ARGS' });
    expect((thrown as Error).message).toContain(message);
  });
});
