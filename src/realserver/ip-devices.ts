/**
 * {@link Devices} through iproute2 (`ip -d -j link show`, `ip link add ... type dummy|ipip`),
 * run by the process runner: the netlink package has no IFLA_LINKINFO encoder for ipip
 * parameters, and `ip` is present wherever this role runs.
 */
import { z } from 'zod';
import { parseIP } from '../api/index.js';
import {
  CommandError,
  systemToolRequest,
  toolSucceeded,
  type ProcessResult,
  type ProcessRunner,
} from '../net/index.js';
import { DEVICE_ALIAS, type DeviceEntry, type Devices } from './devices.js';
import { DeviceConflictError, DeviceKindUnsupportedError } from './errors.js';
import type { DeviceSpec } from './types.js';

const LinkSchema = z.array(
  z.object({
    ifindex: z.number(),
    ifname: z.string(),
    flags: z.array(z.string()).optional(),
    ifalias: z.string().optional(),
    linkinfo: z
      .object({
        info_kind: z.string().optional(),
        info_data: z.object({ local: z.string().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
  }),
);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** {@link Devices} over the `ip` binary. */
export class IpDevices implements Devices {
  constructor(
    private readonly processes: ProcessRunner,
    private readonly ip = 'ip',
  ) {}

  async list(): Promise<DeviceEntry[]> {
    const argv = [this.ip, '-d', '-j', 'link', 'show'];
    const r = await this.run(argv);
    if (!toolSucceeded(r)) throw CommandError.of(argv, r);
    const links = LinkSchema.safeParse(parseJson(r.stdout));
    if (!links.success) throw CommandError.of(argv, r, 'unexpected JSON from ip', { cause: links.error });
    return links.data.map((l) => {
      const local = parseIP(l.linkinfo?.info_data?.local ?? '')?.text;
      const kind = l.linkinfo?.info_kind;
      return {
        name: l.ifname,
        ifindex: l.ifindex,
        ...(kind ? { kind } : {}),
        ...(local ? { local } : {}),
        marked: l.ifalias === DEVICE_ALIAS,
        up: l.flags?.includes('UP') === true,
      };
    });
  }

  async add(spec: DeviceSpec): Promise<void> {
    const argv = [
      this.ip,
      'link',
      'add',
      spec.name,
      'type',
      spec.kind,
      ...(spec.kind === 'ipip' && spec.local ? ['local', spec.local] : []),
    ];
    const r = await this.run(argv);
    if (!toolSucceeded(r)) {
      const said = r.kind === 'exited' ? r.stderr : '';
      if (/Unknown device type|not supported/i.test(said)) throw new DeviceKindUnsupportedError(spec.kind);
      if (/File exists/.test(said)) throw new DeviceConflictError(spec.name, `cannot be created: ${said.trim()}`);
      throw CommandError.of(argv, r);
    }
    const mark = [this.ip, 'link', 'set', 'dev', spec.name, 'alias', DEVICE_ALIAS, 'up'];
    const m = await this.run(mark);
    if (!toolSucceeded(m)) {
      // Do not leave an unmarked device behind that nothing would ever remove.
      await this.run([this.ip, 'link', 'del', 'dev', spec.name]);
      throw CommandError.of(mark, m);
    }
  }

  async setUp(name: string): Promise<void> {
    const argv = [this.ip, 'link', 'set', 'dev', name, 'up'];
    const r = await this.run(argv);
    if (!toolSucceeded(r)) throw CommandError.of(argv, r);
  }

  async remove(name: string): Promise<void> {
    const argv = [this.ip, 'link', 'del', 'dev', name];
    const r = await this.run(argv);
    if (!toolSucceeded(r) && !(r.kind === 'exited' && /Cannot find device|does not exist/.test(r.stderr))) {
      throw CommandError.of(argv, r);
    }
  }

  private run(argv: readonly string[]): Promise<ProcessResult> {
    return this.processes.run(systemToolRequest(argv));
  }
}
