/**
 * The record of the VIPs this node's speaker added, kept across restarts: the proof that an
 * address is ours. Only recorded addresses (and IPv4 addresses carrying our `<iface>:vrrp<N>`
 * label, the kernel's copy of the same fact) are ever removed; an address found on an
 * interface that neither marks as ours belongs to someone else (the node's own address, an
 * administrator's) and is never touched.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic, LvsError } from '../core/index.js';

/** One address the speaker added. */
export interface OwnedVip {
  readonly iface: string;
  /** Canonical text form. */
  readonly address: string;
  readonly prefixLength: number;
}

/** Where the record survives a restart. `load` gives [] when nothing was saved. */
export interface VipRecordStore {
  load(): Promise<OwnedVip[]>;
  save(vips: readonly OwnedVip[]): Promise<void>;
}

/** The record file does not parse: nothing in it can prove ownership. */
export class VipRecordCorruptError extends LvsError {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super('LVS_VRRP_RECORD_CORRUPT', `VIP record ${path} is not readable`, options);
  }
}

const RecordSchema = z.object({
  version: z.literal(1),
  bootId: z.string().max(64).optional(),
  vips: z.array(
    z.object({ iface: z.string().min(1).max(15), address: z.string().min(2).max(45), prefixLength: z.number().int() }),
  ),
});

/** This boot's identity (a fresh UUID at every boot, random(4)); undefined where unreadable. */
export async function readBootId(): Promise<string | undefined> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * A record in a JSON file, replaced atomically and durably (src/core/atomic-file.ts). It
 * carries the boot id: addresses do not survive a reboot, so a record from an earlier boot
 * proves nothing and is ignored (an address of the same value now is someone else's).
 */
export class FileVipRecordStore implements VipRecordStore {
  constructor(
    readonly path: string,
    private readonly bootId: () => Promise<string | undefined> = readBootId,
  ) {}

  async load(): Promise<OwnedVip[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return [];
      throw e;
    }
    let record: z.infer<typeof RecordSchema>;
    try {
      record = RecordSchema.parse(JSON.parse(text));
    } catch (e) {
      throw new VipRecordCorruptError(this.path, { cause: e });
    }
    return record.bootId === (await this.bootId()) ? record.vips : [];
  }

  async save(vips: readonly OwnedVip[]): Promise<void> {
    const bootId = await this.bootId();
    await writeFileAtomic(
      this.path,
      JSON.stringify({ version: 1, ...(bootId !== undefined ? { bootId } : {}), vips }, null, 1) + '\n',
    );
  }
}

/** A record in memory: ownership lasts as long as the process (tests, the demo). */
export class MemoryVipRecordStore implements VipRecordStore {
  vips: OwnedVip[] = [];
  saves = 0;

  load(): Promise<OwnedVip[]> {
    return Promise.resolve([...this.vips]);
  }

  save(vips: readonly OwnedVip[]): Promise<void> {
    this.vips = [...vips];
    this.saves++;
    return Promise.resolve();
  }
}

const keyOf = (iface: string, address: string): string => `${iface}|${address}`;

/**
 * The speaker's working copy of the record. Changes apply in memory at once and are saved
 * in order, one write at a time; a failed save is reported through `onSaveError` and retried
 * with the next change.
 */
export class OwnedVips {
  private readonly vips = new Map<string, OwnedVip>();
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: VipRecordStore,
    private readonly onSaveError: (err: unknown) => void,
  ) {}

  /** Loads the saved record; rejects when it cannot be read (the caller decides). */
  async load(): Promise<void> {
    for (const v of await this.store.load()) this.vips.set(keyOf(v.iface, v.address), v);
  }

  has(iface: string, address: string): boolean {
    return this.vips.has(keyOf(iface, address));
  }

  /** Recorded addresses on one interface. */
  on(iface: string): OwnedVip[] {
    return [...this.vips.values()].filter((v) => v.iface === iface);
  }

  claim(v: OwnedVip): Promise<void> {
    if (this.has(v.iface, v.address)) return this.saving;
    this.vips.set(keyOf(v.iface, v.address), v);
    return this.save();
  }

  forget(iface: string, address: string): Promise<void> {
    if (!this.vips.delete(keyOf(iface, address))) return this.saving;
    return this.save();
  }

  private save(): Promise<void> {
    this.saving = this.saving.then(() => this.store.save([...this.vips.values()]).catch(this.onSaveError));
    return this.saving;
  }
}
