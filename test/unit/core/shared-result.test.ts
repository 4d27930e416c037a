import { describe, expect, it } from 'vitest';
import { sharedResult } from '../../../src/core/index.js';

describe('sharedResult', () => {
  it('shares one result, in flight or done, until it is maxAgeMs old, then produces anew', async () => {
    let now = 0;
    let produced = 0;
    let release: (n: number) => void = () => undefined;
    const get = sharedResult(
      () => {
        produced++;
        return new Promise<number>((resolve) => (release = resolve));
      },
      1000,
      () => now,
    );
    const a = get();
    const b = get();
    expect(produced).toBe(1);
    release(1);
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    now = 999;
    expect(await get()).toBe(1);
    expect(produced).toBe(1);
    now = 1000;
    const c = get();
    expect(produced).toBe(2);
    release(2);
    expect(await c).toBe(2);
  });

  it('shares a failure for as long, so a failing source is not hammered', async () => {
    let now = 0;
    let produced = 0;
    const get = sharedResult(
      () => {
        produced++;
        return Promise.reject(new Error(`dump ${produced} failed`));
      },
      500,
      () => now,
    );
    await expect(get()).rejects.toThrow('dump 1 failed');
    await expect(get()).rejects.toThrow('dump 1 failed');
    now = 500;
    await expect(get()).rejects.toThrow('dump 2 failed');
  });
});
