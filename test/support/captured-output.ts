import { afterEach, beforeEach, vi } from 'vitest';

/** What an in-process CLI run wrote, reset before each test of the file (a test may clear it). */
export interface CapturedOutput {
  out: string;
  err: string;
}

/**
 * Captures process.stdout and process.stderr for each test of the calling file (the hooks are
 * registered here), and clears process.exitCode before and after it, as a command sets it.
 */
export function captureOutput(): CapturedOutput {
  const captured = { out: '', err: '' };
  beforeEach(() => {
    captured.out = '';
    captured.err = '';
    process.exitCode = undefined;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((captured.out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((captured.err += String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  return captured;
}
