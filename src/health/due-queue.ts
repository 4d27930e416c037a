/**
 * Pure: a binary min-heap of (time, item), ties in insertion order. The scheduler keeps one
 * clock timer for the earliest item instead of one timer per probe, so 10,000 probes cost one
 * armed timer. Removal is lazy: the owner marks items stale and skips them when they surface.
 */
interface Slot<T> {
  readonly at: number;
  readonly order: number;
  readonly item: T;
}

/** Items ordered by due time; see the file comment. */
export class DueQueue<T> {
  private heap: Slot<T>[] = [];
  private order = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    this.heap.push({ at, order: this.order++, item });
    this.up(this.heap.length - 1);
  }

  /** Time of the earliest item, or undefined when empty. */
  peekAt(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest item due at or before `now`. */
  popDue(now: number): T | undefined {
    const top = this.heap[0];
    if (!top || top.at > now) return undefined;
    const last = this.heap.pop() as Slot<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top.item;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Slot<T>;
    const y = this.heap[b] as Slot<T>;
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a] as Slot<T>;
    this.heap[a] = this.heap[b] as Slot<T>;
    this.heap[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
