import { describe, expect, it } from 'vitest';
import { capture, captureNames } from './captures.js';
import * as K from '../../../src/ipvs/constants.js';
import {
  decodeDaemon,
  decodeInfo,
  decodeObservedDestination,
  decodeObservedService,
  decodeTimeouts,
} from '../../../src/ipvs/codec.js';
import { MessageWriter, errorOf, parseAttrs, parseGenl, parseMessages } from '../../../src/ipvs/netlink-wire.js';
import {
  decodeOpRequest,
  nestOf,
  writeBare,
  writeOp,
  writeResolveFamily,
  writeSetTimeouts,
  writeStartDaemon,
  writeZero,
  type RequestHeader,
} from '../../../src/ipvs/requests.js';
import type { Destination, Op, Service } from '../../../src/ipvs/types.js';

const headerOf = (family: number, msg: { seq: number; port: number; flags: number }): RequestHeader => ({
  family,
  seq: msg.seq,
  port: msg.port,
  flags: msg.flags & ~K.NLM_F_REQUEST,
});

const svc = (over: Partial<Service> & Pick<Service, 'key'>): Service => ({
  scheduler: 'rr',
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  ...over,
});
const dest = (over: Partial<Destination> & Pick<Destination, 'key'>): Destination => ({
  forwarding: 'droute',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelFlags: 0,
  ...over,
});
const tcp80 = { kind: 'addr', af: 'inet', protocol: 'tcp', address: '192.0.2.1', port: 80 } as const;
const v6udp = { kind: 'addr', af: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 443 } as const;
const fwm7 = { kind: 'fwmark', af: 'inet', fwmark: 7 } as const;

describe('family resolution', () => {
  it('encodes CTRL_CMD_GETFAMILY "IPVS" byte for byte as ipvsadm (libnl) does', () => {
    const c = capture('add-service-tcp-rr');
    const sent = c.buffers[0]?.bytes;
    if (!sent) throw new Error('no buffer');
    const [m] = parseMessages(sent);
    if (!m) throw new Error('no message');
    const w = new MessageWriter();
    writeResolveFamily(w, { seq: m.seq, port: m.port, flags: m.flags & ~K.NLM_F_REQUEST });
    expect(w.take().toString('hex')).toBe(sent.toString('hex'));
  });
  it('reads the family id from the kernel reply', () => {
    expect(capture('add-service-tcp-rr').family).toBe(0x1c);
  });
});

// Service requests: ipvsadm's bytes decode to the Op, and the Op encodes to the same bytes.
const serviceCases: { name: string; expected: Op }[] = [
  { name: 'add-service-tcp-rr', expected: { op: 'addService', service: svc({ key: tcp80 }) } },
  {
    name: 'add-service-udp-persistent',
    expected: {
      op: 'addService',
      service: svc({
        key: { ...tcp80, protocol: 'udp', port: 53 },
        scheduler: 'wlc',
        flags: K.IP_VS_SVC_F_PERSISTENT,
        timeoutMs: 300_000,
        netmask: 0xffffff00,
      }),
    },
  },
  {
    name: 'add-service-fwmark',
    expected: {
      op: 'addService',
      service: svc({
        key: fwm7,
        scheduler: 'sh',
        flags: K.IP_VS_SVC_F_SCHED_SH_FALLBACK | K.IP_VS_SVC_F_SCHED_SH_PORT,
      }),
    },
  },
  {
    name: 'add-service-ipv6-ops',
    expected: {
      op: 'addService',
      service: svc({ key: v6udp, scheduler: 'mh', flags: K.IP_VS_SVC_F_ONEPACKET, netmask: 128 }),
    },
  },
  {
    name: 'add-service-sip-pe',
    expected: {
      op: 'addService',
      service: svc({
        key: { ...tcp80, protocol: 'udp', address: '192.0.2.2', port: 5060 },
        flags: K.IP_VS_SVC_F_PERSISTENT,
        timeoutMs: 60_000,
        peName: 'sip',
      }),
    },
  },
  { name: 'edit-service', expected: { op: 'updateService', service: svc({ key: tcp80, scheduler: 'wrr' }) } },
];

describe('service requests against ipvsadm captures', () => {
  it.each(serviceCases)('$name', ({ name, expected }) => {
    const c = capture(name);
    const req = c.last;
    if (!req) throw new Error('no request');
    expect(decodeOpRequest(req.msg)).toEqual(expected);
    const w = new MessageWriter();
    writeOp(w, headerOf(c.family, req.msg), expected);
    expect(w.take().toString('hex')).toBe(req.bytes.toString('hex'));
  });
});

// Destination requests: ipvsadm repeats the whole service inside; we send its key only, so
// the destination nest is compared byte for byte and the service nest by its key.
const destCases: { name: string; expected: Op }[] = [
  {
    name: 'add-dest-masq',
    expected: {
      op: 'addDestination',
      service: tcp80,
      destination: dest({
        key: { af: 'inet', address: '10.0.0.1', port: 8080 },
        forwarding: 'masq',
        weight: 3,
        upperThreshold: 100,
        lowerThreshold: 10,
      }),
    },
  },
  {
    name: 'add-dest-droute',
    expected: {
      op: 'addDestination',
      service: tcp80,
      destination: dest({ key: { af: 'inet', address: '10.0.0.2', port: 80 } }),
    },
  },
  {
    name: 'add-dest-tunnel-gue',
    expected: {
      op: 'addDestination',
      service: tcp80,
      destination: dest({
        key: { af: 'inet', address: '10.0.0.3', port: 80 },
        forwarding: 'tunnel',
        tunnelType: 'gue',
        tunnelPort: 6080,
        tunnelFlags: K.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
      }),
    },
  },
  {
    name: 'add-dest-tunnel-gre',
    expected: {
      op: 'addDestination',
      service: fwm7,
      destination: dest({
        key: { af: 'inet', address: '10.0.0.4', port: 0 },
        forwarding: 'tunnel',
        tunnelType: 'gre',
        tunnelFlags: K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
      }),
    },
  },
  {
    name: 'add-dest-ipv6',
    expected: {
      op: 'addDestination',
      service: v6udp,
      destination: dest({ key: { af: 'inet6', address: '2001:db8::10', port: 8443 }, forwarding: 'masq', weight: 5 }),
    },
  },
  {
    name: 'edit-dest',
    expected: {
      op: 'updateDestination',
      service: tcp80,
      destination: dest({ key: { af: 'inet', address: '10.0.0.1', port: 8080 }, forwarding: 'masq', weight: 0 }),
    },
  },
];

describe('destination requests against ipvsadm captures', () => {
  it.each(destCases)('$name', ({ name, expected }) => {
    const c = capture(name);
    const req = c.last;
    if (!req) throw new Error('no request');
    expect(decodeOpRequest(req.msg)).toEqual(expected);
    const w = new MessageWriter();
    writeOp(w, headerOf(c.family, req.msg), expected);
    const [ours] = parseMessages(w.take());
    if (!ours) throw new Error('no message');
    expect(nestOf(ours, K.IPVS_CMD_ATTR_DEST)?.toString('hex')).toBe(
      nestOf(req.msg, K.IPVS_CMD_ATTR_DEST)?.toString('hex'),
    );
    expect(decodeOpRequest(ours)).toEqual(expected);
  });
  it('decodes deletions', () => {
    const d = capture('del-dest').last;
    const s = capture('del-service').last;
    if (!d || !s) throw new Error('no request');
    expect(decodeOpRequest(d.msg)).toEqual({
      op: 'deleteDestination',
      service: tcp80,
      key: { af: 'inet', address: '10.0.0.2', port: 80 },
    });
    expect(decodeOpRequest(s.msg)).toEqual({ op: 'deleteService', key: { ...tcp80, protocol: 'udp', port: 53 } });
  });
});

describe('commands against ipvsadm captures', () => {
  const same = (name: string, write: (w: MessageWriter, h: RequestHeader) => void): void => {
    const c = capture(name);
    const req = c.last;
    if (!req) throw new Error('no request');
    const w = new MessageWriter();
    write(w, headerOf(c.family, req.msg));
    expect(w.take().toString('hex')).toBe(req.bytes.toString('hex'));
  };
  it('SET_CONFIG (ipvsadm --set 900 120 300)', () => {
    same('timeouts-set', (w, h) => writeSetTimeouts(w, h, { tcpMs: 900_000, tcpFinMs: 120_000, udpMs: 300_000 }));
  });
  it('GET_CONFIG reply', () => {
    const reply = capture('timeouts-get').last.replies[0];
    if (!reply) throw new Error('no reply');
    expect(decodeTimeouts(parseGenl(reply).attrs)).toEqual({ tcpMs: 900_000, tcpFinMs: 120_000, udpMs: 300_000 });
  });
  it('ZERO of everything', () => {
    same('zero', (w, h) => writeZero(w, h, { all: true }));
  });
  it('NEW_DAEMON (ipvsadm --start-daemon master --mcast-interface lo --syncid 3)', () => {
    same('daemon-start', (w, h) =>
      writeStartDaemon(w, h, {
        state: 'master',
        mcastInterface: 'lo',
        syncId: 3,
        syncMaxLen: 0,
        mcastGroup: '',
        mcastPort: 0,
        mcastTtl: 0,
      }),
    );
  });
  it('GET_DAEMON reply', () => {
    const reply = capture('daemon-get').last.replies[0];
    if (!reply) throw new Error('no reply');
    const nest = nestOf(reply, K.IPVS_CMD_ATTR_DAEMON);
    if (!nest) throw new Error('no daemon');
    expect(decodeDaemon(nest)).toEqual({
      state: 'master',
      mcastInterface: 'lo',
      syncId: 3,
      syncMaxLen: 1472,
      mcastGroup: '224.0.0.81',
      mcastPort: 8848,
      mcastTtl: 1,
    });
  });
  it('GET_DAEMON dump request', () => {
    same('daemon-get', (w, h) => writeBare(w, h, K.IPVS_CMD_GET_DAEMON));
  });
  it('errors carry the errno', () => {
    const eexist = capture('error-eexist').last.replies[0];
    const enoent = capture('error-enoent-dest').last.replies[0];
    if (!eexist || !enoent) throw new Error('no reply');
    expect(errorOf(eexist)).toBe(17);
    expect(errorOf(enoent)).toBe(2);
  });
});

describe('dump replies', () => {
  it('GET_INFO', () => {
    const c = capture('list');
    const req = c.requests[0];
    const reply = req?.replies[0];
    if (!req || !reply) throw new Error('no message');
    const w = new MessageWriter();
    writeBare(w, headerOf(c.family, req.msg), K.IPVS_CMD_GET_INFO);
    expect(w.take().toString('hex')).toBe(req.bytes.toString('hex'));
    expect(decodeInfo(parseGenl(reply).attrs)).toEqual({ version: K.IP_VS_VERSION_CODE, connTableSize: 4096 });
  });
  it('GET_SERVICE and GET_DEST dumps decode to the table ipvsadm printed', () => {
    const c = capture('list');
    const services = c.replies
      .filter((m) => m.type === c.family && parseGenl(m).cmd === K.IPVS_CMD_NEW_SERVICE)
      .map((m) => {
        const nest = nestOf(m, K.IPVS_CMD_ATTR_SERVICE);
        if (!nest) throw new Error('no service');
        return decodeObservedService(nest);
      });
    expect(services.map((s) => [s.key, s.scheduler, s.flags, s.timeoutMs, s.peName])).toEqual([
      [{ ...tcp80, protocol: 'udp', address: '192.0.2.2', port: 5060 }, 'rr', K.IP_VS_SVC_F_PERSISTENT, 60_000, 'sip'],
      [tcp80, 'wrr', 0, 0, ''],
      [v6udp, 'mh', K.IP_VS_SVC_F_ONEPACKET, 0, ''],
      [{ ...tcp80, protocol: 'udp', port: 53 }, 'wlc', K.IP_VS_SVC_F_PERSISTENT, 300_000, ''],
      [fwm7, 'sh', K.IP_VS_SVC_F_SCHED_SH_FALLBACK | K.IP_VS_SVC_F_SCHED_SH_PORT, 0, ''],
    ]);
    const dests = c.replies
      .filter((m) => m.type === c.family && parseGenl(m).cmd === K.IPVS_CMD_NEW_DEST)
      .map((m) => {
        const nest = nestOf(m, K.IPVS_CMD_ATTR_DEST);
        if (!nest) throw new Error('no dest');
        return decodeObservedDestination(nest, 'inet');
      });
    expect(dests.map((d) => [d.key.address, d.key.port, d.forwarding, d.weight, d.tunnelType, d.tunnelPort])).toEqual([
      // The kernel lists a service's destinations newest first (list_add_rcu in ip_vs_new_dest).
      ['10.0.0.3', 80, 'tunnel', 1, 'gue', 6080],
      ['10.0.0.2', 80, 'droute', 1, 'ipip', 0],
      ['10.0.0.1', 8080, 'masq', 0, 'ipip', 0],
      ['2001:db8::10', 8443, 'masq', 5, 'ipip', 0],
      ['10.0.0.4', 0, 'tunnel', 1, 'gre', 0],
    ]);
    // ipvsadm -e without -x/-y resets both thresholds to 0.
    expect([dests[2]?.upperThreshold, dests[2]?.lowerThreshold]).toEqual([0, 0]);
    expect(dests[0]?.stats.conns).toBe(0n);
  });
});

describe('bad replies give typed errors', () => {
  const c = capture('list-stats');
  const dumps = c.buffers.filter(
    (b) => b.dir === 'recv' && b.bytes.length > 200 && b.bytes.readUInt16LE(4) === c.family,
  );
  const decodeAll = (buf: Buffer): void => {
    for (const m of parseMessages(buf)) {
      const g = parseGenl(m);
      const a = parseAttrs(g.attrs);
      const s = a.get(K.IPVS_CMD_ATTR_SERVICE);
      const d = a.get(K.IPVS_CMD_ATTR_DEST);
      if (s) decodeObservedService(s);
      if (d) decodeObservedDestination(d, 'inet');
    }
  };
  it('decodes every captured dump', () => {
    expect(dumps.length).toBeGreaterThan(2);
    for (const b of dumps) decodeAll(b.bytes);
  });
  it('every truncation either decodes or throws LVS_IPVS_DECODE', () => {
    let thrown = 0;
    for (const b of dumps) {
      for (let cut = 1; cut < b.bytes.length; cut++) {
        const t = Buffer.from(b.bytes.subarray(0, cut));
        try {
          decodeAll(t);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('LVS_IPVS_DECODE');
          thrown++;
        }
      }
    }
    expect(thrown).toBeGreaterThan(0);
  });
  it('corrupted lengths inside the attributes throw LVS_IPVS_DECODE', () => {
    for (const b of dumps) {
      for (let at = 20; at < b.bytes.length; at += 4) {
        const t = Buffer.from(b.bytes);
        t.writeUInt16LE(0xfff0, at);
        try {
          decodeAll(t);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('LVS_IPVS_DECODE');
        }
      }
    }
  });
  it('unknown attributes are ignored', () => {
    const reply = c.replies.find((m) => m.type === c.family && parseGenl(m).cmd === K.IPVS_CMD_NEW_SERVICE);
    if (!reply) throw new Error('no reply');
    const nest = nestOf(reply, K.IPVS_CMD_ATTR_SERVICE);
    if (!nest) throw new Error('no nest');
    const extra = Buffer.concat([nest, Buffer.from('08006300deadbeef', 'hex')]);
    expect(decodeObservedService(extra)).toEqual(decodeObservedService(nest));
  });
  it('a missing required attribute names it', () => {
    expect(() => decodeObservedService(Buffer.from('0800630000000000', 'hex'))).toThrow(
      expect.objectContaining({ code: 'LVS_IPVS_DECODE', what: 'missing IPVS_SVC_ATTR_FLAGS' }),
    );
  });
  it('captures cover every scenario of capture.sh', () => {
    expect(captureNames.length).toBeGreaterThanOrEqual(25);
  });
});
