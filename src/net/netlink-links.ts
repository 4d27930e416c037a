import { createRtNetlink, type RtNetlinkSocket } from 'netlink';
import type { rt } from 'netlink';
import { LinkNotFoundError } from './errors.js';
import type { LinkInfo, Links } from './links.js';

function toLinkInfo(m: rt.LinkMessage): LinkInfo | undefined {
  const index = m.data.index;
  if (index === undefined) return undefined;
  const mac = m.attrs.address ? Array.from(m.attrs.address, (b) => b.toString(16).padStart(2, '0')).join(':') : '';
  return {
    index,
    name: m.attrs.ifname ?? '',
    mac,
    up: m.data.flags?.up === true && m.data.flags.running === true,
  };
}

/** {@link Links} over rtnetlink (RTM_GETLINK dumps, RTNLGRP_LINK events). */
export class NetlinkLinks implements Links {
  private readonly rt: RtNetlinkSocket = createRtNetlink();
  private events: RtNetlinkSocket | undefined;
  private readonly listeners = new Set<(link: LinkInfo) => void>();

  async list(): Promise<LinkInfo[]> {
    const msgs = await this.rt.getLinks();
    return msgs.map(toLinkInfo).filter((l): l is LinkInfo => l !== undefined);
  }

  async get(name: string): Promise<LinkInfo> {
    const found = (await this.list()).find((l) => l.name === name);
    if (!found) throw new LinkNotFoundError(name);
    return found;
  }

  watch(listener: (link: LinkInfo) => void): () => void {
    if (!this.events) {
      const events = createRtNetlink();
      // Keep the event loop alive while someone listens for link events.
      events.socket.ref(true);
      events.addMembership('LINK');
      events.on('message', (msgs) => {
        for (const m of msgs) {
          if (m.kind !== 'link') continue;
          const info = toLinkInfo(m);
          // Copy before iterating: a listener may unsubscribe.
          if (info) for (const l of [...this.listeners]) l(info);
        }
      });
      this.events = events;
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.rt.socket.socket.close();
    this.events?.socket.socket.close();
    this.events = undefined;
  }
}
