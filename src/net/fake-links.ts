import { LinkNotFoundError } from './errors.js';
import type { LinkInfo, Links } from './links.js';

/** In-memory {@link Links}; `setUp` changes a link and notifies watchers like a kernel event. */
export class FakeLinks implements Links {
  private readonly links = new Map<string, LinkInfo>();
  private readonly listeners = new Set<(link: LinkInfo) => void>();

  constructor(links: readonly LinkInfo[] = []) {
    for (const l of links) this.links.set(l.name, l);
  }

  get(name: string): Promise<LinkInfo> {
    const l = this.links.get(name);
    return l ? Promise.resolve(l) : Promise.reject(new LinkNotFoundError(name));
  }

  list(): Promise<LinkInfo[]> {
    return Promise.resolve([...this.links.values()]);
  }

  watch(listener: (link: LinkInfo) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Changes the state of a link and emits the event. */
  setUp(name: string, up: boolean): void {
    const l = this.links.get(name);
    if (!l) throw new LinkNotFoundError(name);
    const next = { ...l, up };
    this.links.set(name, next);
    for (const fn of [...this.listeners]) fn(next);
  }

  close(): void {
    this.listeners.clear();
  }
}
