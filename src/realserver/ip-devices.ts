/**
 * {@link Devices} through iproute2 (`ip -d -j link show`, `ip link add ... type dummy|ipip`):
 * the netlink package has no IFLA_LINKINFO encoder for ipip parameters, and `ip` is present
 * wherever this role runs.
 */
import { z } from 'zod';
import { parseIP } from '../api/index.js';
import type { CommandRunner } from './command-runner.js';
import { DEVICE_ALIAS, type DeviceEntry, type Devices } from './devices.js';
import { CommandError, DeviceConflictError, DeviceKindUnsupportedError } from './errors.js';
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

/** {@link Devices} over the `ip` binary. */
export class IpDevices implements Devices {
  constructor(
    private readonly commands: CommandRunner,
    private readonly ip = 'ip',
  ) {}

  async list(): Promise<DeviceEntry[]> {
    const argv = [this.ip, '-d', '-j', 'link', 'show'];
    const r = await this.commands.run(argv);
    if (r.exitCode !== 0) throw new CommandError(argv, r.exitCode, r.stderr);
    const links = LinkSchema.safeParse(JSON.parse(r.stdout));
    if (!links.success) throw new CommandError(argv, 0, 'unexpected JSON from ip', { cause: links.error });
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
    const r = await this.commands.run(argv);
    if (r.exitCode !== 0) {
      if (/Unknown device type|not supported/i.test(r.stderr)) throw new DeviceKindUnsupportedError(spec.kind);
      if (/File exists/.test(r.stderr))
        throw new DeviceConflictError(spec.name, `cannot be created: ${r.stderr.trim()}`);
      throw new CommandError(argv, r.exitCode, r.stderr);
    }
    const mark = [this.ip, 'link', 'set', 'dev', spec.name, 'alias', DEVICE_ALIAS, 'up'];
    const m = await this.commands.run(mark);
    if (m.exitCode !== 0) {
      // Do not leave an unmarked device behind that nothing would ever remove.
      await this.commands.run([this.ip, 'link', 'del', 'dev', spec.name]);
      throw new CommandError(mark, m.exitCode, m.stderr);
    }
  }

  async setUp(name: string): Promise<void> {
    const argv = [this.ip, 'link', 'set', 'dev', name, 'up'];
    const r = await this.commands.run(argv);
    if (r.exitCode !== 0) throw new CommandError(argv, r.exitCode, r.stderr);
  }

  async remove(name: string): Promise<void> {
    const argv = [this.ip, 'link', 'del', 'dev', name];
    const r = await this.commands.run(argv);
    if (r.exitCode !== 0 && !/Cannot find device|does not exist/.test(r.stderr)) {
      throw new CommandError(argv, r.exitCode, r.stderr);
    }
  }
}
