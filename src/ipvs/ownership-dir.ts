import { basename, join } from 'node:path';
import { IpvsRecordError, systemErrnoName } from './errors.js';
import { formatServiceKey } from './format.js';
import {
  asServiceKey,
  recordNameOf,
  type OwnershipSnapshot,
  type OwnershipStore,
  type UnprovenEntry,
} from './ownership.js';
import { nodeRecordFs, type RecordFs } from './record-fs.js';
import { serviceId, type ServiceKey } from './types.js';

/** An entry is one small JSON object; anything larger is not ours. */
export const MAX_RECORD_ENTRY_BYTES = 4096;

const ENTRY = '.json';
const TEMPORARY = '.tmp';
/** Suffix of an entry kept aside because it could not be proven, then a timestamp. */
export const KEPT_ASIDE = '.corrupt-';

export interface DirectoryOwnershipOptions {
  /** The record's directory: one `<service>.json` per owned service. */
  readonly dir: string;
  /**
   * The single-file record of earlier versions (`{"services":[...]}`), migrated into `dir` on
   * load; by default `dir` + ".json".
   */
  readonly legacyFile?: string;
  readonly fs?: RecordFs;
  /** Wall time for the names of entries kept aside. */
  readonly wallNowMs?: () => number;
  /**
   * Read without changing anything (`lvsctl plan`): bad entries and interrupted writes are
   * reported where they are, and a legacy record is read, not migrated. Writes still write.
   */
  readonly readOnly?: boolean;
}

/**
 * The ownership record as a directory with one file per service, each written atomically
 * (temporary file, fsync, rename, fsync of the directory). A change writes or removes one
 * small file, so its cost does not grow with the table; a corrupt file costs only its service,
 * and is moved aside (`<name>.json.corrupt-<ms>`) for inspection instead of being trusted.
 */
export class DirectoryOwnershipStore implements OwnershipStore {
  private readonly dir: string;
  private readonly legacyFile: string;
  private readonly fs: RecordFs;
  private readonly wallNowMs: () => number;
  private readonly readOnly: boolean;

  constructor(opts: DirectoryOwnershipOptions) {
    this.dir = opts.dir;
    this.legacyFile = opts.legacyFile ?? `${opts.dir}.json`;
    this.fs = opts.fs ?? nodeRecordFs;
    this.wallNowMs = opts.wallNowMs ?? Date.now;
    this.readOnly = opts.readOnly === true;
  }

  /** Where the entry of `key` lives. */
  pathOf(key: ServiceKey): string {
    return join(this.dir, recordNameOf(key) + ENTRY);
  }

  async load(): Promise<OwnershipSnapshot> {
    const keys = new Map<string, ServiceKey>();
    const unproven: UnprovenEntry[] = [];
    await this.migrateLegacy(keys, unproven);
    let names: string[];
    try {
      names = await this.fs.readdir(this.dir);
    } catch (err) {
      if (systemErrnoName(err) === 'ENOENT') return { keys: [...keys.values()], unproven };
      throw new IpvsRecordError('read', this.dir, systemErrnoName(err), 'cannot list the record', { cause: err });
    }
    for (const name of names.sort()) {
      const path = join(this.dir, name);
      if (name.endsWith(TEMPORARY)) {
        // A write interrupted before its rename: the service was never created.
        if (!this.readOnly) await this.fs.unlink(path).catch(() => undefined);
        continue;
      }
      if (!name.endsWith(ENTRY)) continue; // entries kept aside, and files that are not ours
      const entry = await this.readEntry(path, name.slice(0, -ENTRY.length));
      if ('key' in entry) keys.set(serviceId(entry.key), entry.key);
      else unproven.push(await this.keepAside(entry.name, path, entry.error));
    }
    return { keys: [...keys.values()], unproven };
  }

  async add(key: ServiceKey): Promise<void> {
    const path = this.pathOf(key);
    const tmp = path + TEMPORARY;
    const step = async (what: string, target: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        throw new IpvsRecordError('write', target, systemErrnoName(err), what, { cause: err });
      }
    };
    await step('cannot create the record directory', this.dir, () => this.fs.mkdir(this.dir));
    try {
      await step('cannot write the entry', tmp, () =>
        this.fs.writeSynced(tmp, JSON.stringify({ version: 1, key }) + '\n'),
      );
      await step('cannot rename the entry into place', path, () => this.fs.rename(tmp, path));
    } catch (err) {
      await this.fs.unlink(tmp).catch(() => undefined);
      throw err;
    }
    await step('cannot sync the record directory', this.dir, () => this.fs.syncDir(this.dir));
  }

  async remove(key: ServiceKey): Promise<void> {
    const path = this.pathOf(key);
    try {
      await this.fs.unlink(path);
    } catch (err) {
      if (systemErrnoName(err) === 'ENOENT') return;
      throw new IpvsRecordError('remove', path, systemErrnoName(err), 'cannot remove the entry', { cause: err });
    }
    try {
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw new IpvsRecordError('remove', this.dir, systemErrnoName(err), 'cannot sync the record directory', {
        cause: err,
      });
    }
  }

  private async readEntry(
    path: string,
    name: string,
  ): Promise<{ key: ServiceKey } | { name: string; error: IpvsRecordError }> {
    const bad = (errnoName: string, detail: string, cause?: unknown) => ({
      name,
      error: new IpvsRecordError('read', path, errnoName, detail, cause === undefined ? undefined : { cause }),
    });
    let text: string;
    try {
      text = await this.fs.readFile(path);
    } catch (err) {
      return bad(systemErrnoName(err), 'cannot read the entry', err);
    }
    if (text.trim() === '') return bad('ECORRUPT', 'empty entry');
    if (Buffer.byteLength(text) > MAX_RECORD_ENTRY_BYTES) {
      return bad('ECORRUPT', `entry larger than ${MAX_RECORD_ENTRY_BYTES} bytes`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return bad('ECORRUPT', 'entry is not JSON', err);
    }
    const wrapper = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    if (wrapper['version'] !== 1) return bad('ECORRUPT', 'entry has no "version": 1');
    const key = asServiceKey(wrapper['key']);
    if (!key) return bad('ECORRUPT', 'entry holds no valid service key');
    if (recordNameOf(key) !== name) {
      return bad('ECORRUPT', `entry holds ${formatServiceKey(key)}, not the service its name says`);
    }
    return { key };
  }

  /** Moves a bad entry aside for inspection; it stays where it is if that fails too. */
  private async keepAside(name: string, path: string, error: IpvsRecordError): Promise<UnprovenEntry> {
    if (this.readOnly) return { name, error };
    const keptAt = `${path}${KEPT_ASIDE}${this.wallNowMs()}`;
    try {
      await this.fs.rename(path, keptAt);
      return { name, error, keptAt };
    } catch {
      return { name, error };
    }
  }

  /**
   * Earlier versions kept the whole record in one JSON file. Its services move into the
   * directory once every one is written there; until then they are returned from the file.
   */
  private async migrateLegacy(keys: Map<string, ServiceKey>, unproven: UnprovenEntry[]): Promise<void> {
    let text: string;
    try {
      text = await this.fs.readFile(this.legacyFile);
    } catch (err) {
      if (systemErrnoName(err) === 'ENOENT') return;
      throw new IpvsRecordError('read', this.legacyFile, systemErrnoName(err), 'cannot read the record', {
        cause: err,
      });
    }
    let services: unknown;
    try {
      services = (JSON.parse(text) as { services?: unknown } | null)?.services;
    } catch {
      services = undefined;
    }
    if (!Array.isArray(services)) {
      const error = new IpvsRecordError('read', this.legacyFile, 'ECORRUPT', 'record is not {"services":[...]}');
      unproven.push(await this.keepAside(basename(this.legacyFile), this.legacyFile, error));
      return;
    }
    const found = services.map(asServiceKey);
    for (const k of found) if (k) keys.set(serviceId(k), k);
    const invalid = found.some((k) => !k)
      ? new IpvsRecordError('read', this.legacyFile, 'ECORRUPT', 'record holds invalid service keys')
      : undefined;
    if (this.readOnly) {
      if (invalid) unproven.push({ name: basename(this.legacyFile), error: invalid });
      return;
    }
    try {
      for (const k of keys.values()) await this.add(k);
    } catch {
      // Read-only for now: the file stays the record of these services, migrated next time.
      if (invalid) unproven.push({ name: basename(this.legacyFile), error: invalid });
      return;
    }
    if (invalid) unproven.push(await this.keepAside(basename(this.legacyFile), this.legacyFile, invalid));
    else await this.fs.unlink(this.legacyFile).catch(() => undefined); // migrated: entries exist
  }
}
