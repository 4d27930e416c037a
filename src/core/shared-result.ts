/**
 * One result of `produce` shared by every caller within `maxAgeMs` of its start, the one in
 * flight included: a scrape's instruments, or HTTP clients polling a node, cost one kernel
 * dump however many ask at once.
 */
export function sharedResult<T>(
  produce: () => Promise<T>,
  maxAgeMs: number,
  now: () => number = () => performance.now(),
): () => Promise<T> {
  let last: { at: number; result: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (last && at - last.at < maxAgeMs) return last.result;
    const result = produce();
    last = { at, result };
    return result;
  };
}
