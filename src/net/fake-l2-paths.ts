import type { L2Path, L2Paths } from './l2-path.js';

/** In-memory {@link L2Paths}: a path per address (default `no-route`), a lookup log, `failWith`. */
export class FakeL2Paths implements L2Paths {
  readonly paths = new Map<string, L2Path>();
  readonly lookups: string[] = [];
  failWith: Error | undefined;

  lookup(ip: string): Promise<L2Path> {
    this.lookups.push(ip);
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.paths.get(ip) ?? { kind: 'no-route', detail: 'no route in the fake' });
  }

  close(): void {}
}
