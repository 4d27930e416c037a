/**
 * A synchronous in-process event stream: components publish what happened and others
 * subscribe, instead of holding references to each other. Listeners are copied before each
 * emit, so one may unsubscribe while it runs.
 */
export class EventStream<T> {
  private readonly listeners = new Set<(e: T) => void>();

  subscribe(listener: (e: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
}
