/**
 * Pure: bytes collected up to a fixed limit. The store doubles as it fills, so collecting n
 * bytes copies O(n) in total, whatever the chunk sizes (joining every chunk to all before it
 * copies O(n^2), which 1-byte chunks turn into a CPU sink).
 */
export class BoundedBytes {
  private store: Buffer;
  private size = 0;

  constructor(
    /** The most bytes this ever holds. */
    readonly limit: number,
    initial = 4096,
  ) {
    this.store = Buffer.allocUnsafe(Math.min(initial, limit));
  }

  get length(): number {
    return this.size;
  }

  /** Appends what fits of `chunk`; returns how many bytes were taken. */
  append(chunk: Uint8Array): number {
    const n = Math.min(chunk.length, this.limit - this.size);
    if (this.size + n > this.store.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(this.store.length * 2, this.size + n)));
      this.store.copy(grown, 0, 0, this.size);
      this.store = grown;
    }
    this.store.set(chunk.subarray(0, n), this.size);
    this.size += n;
    return n;
  }

  /** The bytes collected so far (a view, valid until the next append). */
  bytes(): Buffer {
    return this.store.subarray(0, this.size);
  }
}
