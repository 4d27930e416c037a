/** A network interface as the project sees it. */
export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  /** Hardware address, lower-case `aa:bb:...`; empty for links without one. */
  readonly mac: string;
  /** Administratively up and operationally running (IFF_UP and IFF_RUNNING, as keepalived). */
  readonly up: boolean;
}

/**
 * The link port: lookup and link-state events. Implementations: {@link NetlinkLinks} (rtnetlink)
 * and FakeLinks. Listeners run on the event loop, one call per change, never concurrently.
 */
export interface Links {
  /** The named link; rejects with LinkNotFoundError when it does not exist. */
  get(name: string): Promise<LinkInfo>;
  list(): Promise<LinkInfo[]>;
  /** Calls `listener` with the new state of a link whenever the kernel reports a change. */
  watch(listener: (link: LinkInfo) => void): () => void;
  close(): void;
}
