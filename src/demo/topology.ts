/**
 * Seed 000's network in namespaces: a client and two directors on 192.168.105.0/24, two web
 * backends on 192.168.5.0/24, all on one bridge (one L2 segment, as DR needs) with on-link
 * routes for the other subnet, so the write-up's addresses work unchanged.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NetnsLab } from '../lab/index.js';

/** The seed's virtual IP (vrrp_instance VI_1, virtual_server_group example_web_servers). */
export const VIP = '192.168.105.253';

/** One machine of the topology. */
export interface DemoHost {
  readonly name: string;
  readonly role: 'client' | 'director' | 'backend';
  readonly address: string;
  readonly prefixLength: number;
  /** The other subnet, reached on-link over the shared segment. */
  readonly onLink: string;
}

/** The hosts, in creation order. */
export const HOSTS: readonly DemoHost[] = [
  { name: 'client', role: 'client', address: '192.168.105.10', prefixLength: 24, onLink: '192.168.5.0/24' },
  { name: 'lvs1', role: 'director', address: '192.168.105.1', prefixLength: 24, onLink: '192.168.5.0/24' },
  { name: 'lvs2', role: 'director', address: '192.168.105.2', prefixLength: 24, onLink: '192.168.5.0/24' },
  { name: 'web1', role: 'backend', address: '192.168.5.111', prefixLength: 24, onLink: '192.168.105.0/24' },
  { name: 'web2', role: 'backend', address: '192.168.5.112', prefixLength: 24, onLink: '192.168.105.0/24' },
];

/** The built lab and where each backend's document root is. */
export interface DemoTopology {
  readonly lab: NetnsLab;
  readonly hosts: readonly DemoHost[];
  /** Document root of each backend, holding health_check.html. */
  readonly webRoots: ReadonlyMap<string, string>;
}

/** The file the directors' HTTP_GET checks ask for. */
export const HEALTH_PAGE = 'health_check.html';

/**
 * Creates the namespaces, the bridge, addresses and routes, and the backends' document roots.
 * On failure everything made so far is removed before the error propagates.
 */
export async function buildTopology(): Promise<DemoTopology> {
  const lab = await NetnsLab.create('lvsdemo-');
  try {
    const webRoots = new Map<string, string>();
    // One host after the other would take half a minute inside user-mode-linux: set them up together.
    await Promise.all(
      HOSTS.map(async (h) => {
        await lab.addNode(h.name, { ipv4: `${h.address}/${h.prefixLength}` });
        await lab.exec1(h.name, ['ip', 'route', 'add', h.onLink, 'dev', 'eth0']);
        // The seed's sysctl tuning: a director receives for the VIP and forwards (DR rewrites only
        // the MAC), and reverse-path filtering must not judge the other subnet's sources.
        for (const key of ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']) {
          await lab.exec1(h.name, ['sysctl', '-qw', key]);
        }
        if (h.role === 'director') await lab.exec1(h.name, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        if (h.role === 'backend') {
          const root = join(lab.dir, h.name, 'www');
          await mkdir(root, { recursive: true });
          await writeFile(join(root, HEALTH_PAGE), `<html><body>${h.name} OK</body></html>\n`);
          webRoots.set(h.name, root);
        }
      }),
    );
    return { lab, hosts: HOSTS, webRoots };
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}
