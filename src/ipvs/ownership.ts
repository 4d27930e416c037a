import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ServiceKey } from './types.js';

/**
 * The record of services this node created, kept across restarts so that a service dropped
 * from the desired state while the agent was down is still recognised as ours and removed.
 */
export interface OwnershipStore {
  load(): Promise<ServiceKey[]>;
  save(keys: readonly ServiceKey[]): Promise<void>;
}

/** An OwnershipStore in memory: ownership lasts as long as the process. */
export class MemoryOwnershipStore implements OwnershipStore {
  private keys: ServiceKey[] = [];
  load(): Promise<ServiceKey[]> {
    return Promise.resolve([...this.keys]);
  }
  save(keys: readonly ServiceKey[]): Promise<void> {
    this.keys = [...keys];
    return Promise.resolve();
  }
}

/** An OwnershipStore in a JSON file, replaced atomically (write, then rename). */
export class FileOwnershipStore implements OwnershipStore {
  constructor(private readonly path: string) {}

  async load(): Promise<ServiceKey[]> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { services?: ServiceKey[] };
      return Array.isArray(parsed.services) ? parsed.services.filter(isServiceKey) : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async save(keys: readonly ServiceKey[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify({ services: keys }, null, 1) + '\n');
    await rename(tmp, this.path);
  }
}

function isServiceKey(v: unknown): v is ServiceKey {
  if (typeof v !== 'object' || v === null) return false;
  const k = v as Record<string, unknown>;
  if (k['af'] !== 'inet' && k['af'] !== 'inet6') return false;
  if (k['kind'] === 'fwmark') return typeof k['fwmark'] === 'number';
  return (
    k['kind'] === 'addr' &&
    typeof k['address'] === 'string' &&
    typeof k['port'] === 'number' &&
    (k['protocol'] === 'tcp' || k['protocol'] === 'udp' || k['protocol'] === 'sctp')
  );
}
