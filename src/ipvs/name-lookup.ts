import { promises as dns } from 'node:dns';
import { readFile } from 'node:fs/promises';
import type { NameLookup } from './format.js';
import type { ObservedService, Protocol } from './types.js';

/**
 * The system's names for the addresses and ports of a table, looked up once before the pure
 * formatter runs: hosts through getnameinfo (the NSS order gethostbyaddr uses, /etc/hosts
 * then DNS) and ports from /etc/services, as ipvsadm's addrport_to_anyname does.
 */
export async function systemNameLookup(
  table: readonly ObservedService[],
  servicesPath = '/etc/services',
): Promise<NameLookup> {
  const services = await readServices(servicesPath);
  const addresses = new Set<string>();
  for (const s of table) {
    if (s.key.kind === 'addr') addresses.add(s.key.address);
    for (const d of s.destinations) addresses.add(d.key.address);
  }
  const hosts = new Map<string, string>();
  await Promise.all(
    [...addresses].map(async (a) => {
      try {
        const { hostname } = await dns.lookupService(a, 0);
        if (hostname && hostname !== a) hosts.set(a, hostname);
      } catch {
        // No name: ipvsadm prints the address.
      }
    }),
  );
  return {
    host: (_af, address) => hosts.get(address),
    service: (port, proto) => (proto ? services.get(`${port}/${proto}`) : undefined),
  };
}

/** `port/proto` to the first name /etc/services gives it (getservbyport's answer). */
async function readServices(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = /^([^\s#]+)\s+(\d+)\/(tcp|udp|sctp)\b/.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    const k = `${m[2]}/${m[3] as Protocol}`;
    if (!out.has(k)) out.set(k, m[1]);
  }
  return out;
}
