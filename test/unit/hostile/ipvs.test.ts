import { describe, expect, it } from 'vitest';
import { decodeDaemon, decodeInfo, decodeService } from '../../../src/ipvs/codec.js';
import { scanDestination } from '../../../src/ipvs/dest-scan.js';
import { errorOf, parseAttrs, parseGenl, parseMessages } from '../../../src/ipvs/netlink-wire.js';
import { decodeFamilyReply, decodeOpRequest } from '../../../src/ipvs/requests.js';
import { parseRules } from '../../../src/ipvs/rules.js';
import { cstr, destPayload, genl, nla, nlmsg, serviceAttrs, u16, u32 } from './ipvs-frames.js';

/**
 * Hostile input at the IPVS edges: netlink replies that a broken or malicious peer could send
 * (the codec must give a typed IpvsDecodeError naming what and where, never crash or hang) and
 * ipvsadm-restore text (every bad line reported with its number, nothing applied).
 */

const svc = (over: [number, Buffer | undefined][]) => serviceAttrs(new Map(over));
const dest = (over: [number, Buffer | undefined][]) => destPayload(new Map(over));
const msg = (payload: Buffer, type = 0x20) => ({ type, flags: 0, seq: 1, port: 0, payload });

const decodeCases: { name: string; run: () => unknown; message: string }[] = [
  {
    name: 'datagram shorter than a header',
    run: () => parseMessages(Buffer.alloc(10)),
    message: 'truncated netlink header at byte 0',
  },
  {
    name: 'message length below the header',
    run: () => parseMessages(nlmsg(2, Buffer.alloc(4), 8)),
    message: 'netlink length 8 at byte 0',
  },
  {
    name: 'message length beyond the datagram',
    run: () => parseMessages(nlmsg(2, Buffer.alloc(4), 4096)),
    message: 'netlink length 4096 at byte 0',
  },
  {
    name: 'second message truncated',
    run: () => parseMessages(Buffer.concat([nlmsg(3, Buffer.alloc(4)), Buffer.alloc(7)])),
    message: 'truncated netlink header at byte 20',
  },
  {
    name: 'error expected, other type given',
    run: () => errorOf(msg(Buffer.alloc(4), 0x20)),
    message: 'message type 32 is not NLMSG_ERROR at byte 4',
  },
  {
    name: 'NLMSG_ERROR without its errno',
    run: () => errorOf(msg(Buffer.alloc(2), 2)),
    message: 'truncated NLMSG_ERROR at byte 0',
  },
  {
    name: 'genetlink header cut',
    run: () => parseGenl(msg(Buffer.alloc(2))),
    message: 'truncated genetlink header at byte 16',
  },
  {
    name: 'attribute header cut',
    run: () => parseAttrs(Buffer.alloc(3)),
    message: 'truncated attribute header at byte 0',
  },
  {
    name: 'attribute length below its header',
    run: () => parseAttrs(nla(1, Buffer.alloc(4), 2)),
    message: 'attribute length 2 at byte 0',
  },
  {
    name: 'huge nest claiming 65535 bytes',
    run: () => parseAttrs(nla(1 | 0x8000, Buffer.alloc(64), 65535)),
    message: 'attribute length 65535 at byte 0',
  },
  {
    name: 'service without address family',
    run: () => decodeService(svc([[1, undefined]])),
    message: 'missing IPVS_SVC_ATTR_AF at byte 0',
  },
  {
    name: 'unknown address family',
    run: () => decodeService(svc([[1, u16(99)]])),
    message: 'service: unknown address family 99 at byte 0',
  },
  {
    name: 'unknown protocol (ICMP)',
    run: () => decodeService(svc([[2, u16(1)]])),
    message: 'unknown service protocol 1 at byte 0',
  },
  {
    name: 'IPv4 address of 2 bytes',
    run: () => decodeService(svc([[3, Buffer.from([10, 0])]])),
    message: 'IPVS_SVC_ATTR_ADDR: 2 bytes at byte 0',
  },
  {
    name: 'IPv6 service with a 4-byte address',
    run: () =>
      decodeService(
        svc([
          [1, u16(10)],
          [3, Buffer.from([1, 2, 3, 4])],
        ]),
      ),
    message: 'IPVS_SVC_ATTR_ADDR: 4 bytes at byte 0',
  },
  {
    name: 'port of 1 byte',
    run: () => decodeService(svc([[4, Buffer.from([80])]])),
    message: 'IPVS_SVC_ATTR_PORT: 1 bytes at byte 0',
  },
  {
    name: 'flags of 4 bytes (not flags+mask)',
    run: () => decodeService(svc([[7, u32(1)]])),
    message: 'IPVS_SVC_ATTR_FLAGS: 4 bytes at byte 0',
  },
  {
    name: 'firewall mark of 2 bytes',
    run: () => decodeService(svc([[5, u16(7)]])),
    message: 'IPVS_SVC_ATTR_FWMARK: 2 bytes at byte 0',
  },
  {
    name: 'scheduler name of 40 characters',
    run: () => decodeService(svc([[6, cstr('r'.repeat(40))]])),
    message: 'IPVS_SVC_ATTR_SCHED_NAME: not a kernel name at byte 0',
  },
  {
    name: 'scheduler name with control characters',
    run: () => decodeService(svc([[6, cstr('rr\x1b[2J')]])),
    message: 'IPVS_SVC_ATTR_SCHED_NAME: not a kernel name at byte 0',
  },
  {
    name: 'persistence engine name not ASCII',
    run: () => decodeService(svc([[11, Buffer.from([0xff, 0xfe, 0])]])),
    message: 'IPVS_SVC_ATTR_PE_NAME: not a kernel name at byte 0',
  },
  {
    name: 'timeout missing',
    run: () => decodeService(svc([[8, undefined]])),
    message: 'missing IPVS_SVC_ATTR_TIMEOUT at byte 0',
  },
  {
    name: 'dest dump without its nest',
    run: () => scanDestination(genl(8, nla(1, u32(0))), 'inet'),
    message: 'dump message without attribute 2 at byte 0',
  },
  {
    name: 'dest without weight',
    run: () => scanDestination(dest([[4, undefined]]), 'inet'),
    message: 'missing IPVS_DEST_ATTR_WEIGHT at byte 0',
  },
  {
    name: 'dest weight of 2 bytes',
    run: () => scanDestination(dest([[4, u16(1)]]), 'inet'),
    message: 'IPVS_DEST_ATTR_WEIGHT: 2 bytes at byte 44',
  },
  {
    name: 'dest forwarding method 5',
    run: () => scanDestination(dest([[3, u32(5)]]), 'inet'),
    message: 'unknown forwarding method 5 at byte 0',
  },
  {
    name: 'dest of unknown family',
    run: () => scanDestination(dest([[11, u16(7)]]), 'inet'),
    message: 'destination: unknown address family 7 at byte 92',
  },
  {
    name: 'IPv6 dest with a 4-byte address',
    run: () => scanDestination(dest([[1, Buffer.from([1, 2, 3, 4])]]), 'inet6'),
    message: 'IPVS_DEST_ATTR_ADDR: 4 bytes at byte 12',
  },
  {
    name: 'dest attribute overrunning its nest',
    run: () => scanDestination(genl(8, nla(2 | 0x8000, nla(4, u32(1), 200))), 'inet'),
    message: 'attribute length 200 at byte 8',
  },
  {
    name: 'dest tunnel type 9',
    run: () => scanDestination(dest([[13, Buffer.from([9])]]), 'inet'),
    message: 'unknown tunnel type 9 at byte 0',
  },
  {
    name: 'family reply without an id',
    run: () => decodeFamilyReply(msg(genl(1, nla(2, cstr('IPVS'))))),
    message: 'missing CTRL_ATTR_FAMILY_ID at byte 0',
  },
  {
    name: 'request of an unknown command',
    run: () => decodeOpRequest(msg(genl(99, nla(1 | 0x8000, serviceAttrs()), nla(2 | 0x8000, Buffer.alloc(0))))),
    message: 'IPVS command 99 is not a table change at byte 0',
  },
  {
    name: 'info reply without version',
    run: () => decodeInfo(nla(2, u32(4096))),
    message: 'missing IPVS_INFO_ATTR_VERSION at byte 0',
  },
  {
    name: 'daemon nest without state',
    run: () => decodeDaemon(nla(2, cstr('eth0'))),
    message: 'missing IPVS_DAEMON_ATTR_STATE at byte 0',
  },
];

describe('hostile IPVS netlink replies: a typed error naming what and where', () => {
  it.each(decodeCases)('$name', ({ run, message }) => {
    expect(run).toThrow(
      expect.objectContaining({
        code: 'LVS_IPVS_DECODE',
        name: 'IpvsDecodeError',
        message: `malformed IPVS netlink reply: ${message}`,
      }) as Error,
    );
  });

  it('a nest of 16,000 unknown attributes decodes in one linear pass', () => {
    const junk = Buffer.concat(Array.from({ length: 16_000 }, (_, i) => nla(100 + (i % 1000), Buffer.alloc(0))));
    const started = performance.now();
    expect(decodeService(Buffer.concat([serviceAttrs(), junk])).scheduler).toBe('rr');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

const NOT_DECL = (cmd: string) =>
  `"${cmd}" is not a service or server declaration (a rules file declares the table; it is never flushed or edited)`;

const ruleCases: { name: string; text: string; issues: { line: number; message: string }[] }[] = [
  {
    name: 'service declared twice',
    text: '-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s rr',
    issues: [{ line: 2, message: 'service declared twice' }],
  },
  {
    name: 'real server before its service',
    text: '-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g',
    issues: [{ line: 1, message: 'real server of a service not declared above' }],
  },
  { name: 'a flush', text: '-C', issues: [{ line: 1, message: NOT_DECL('-C') }] },
  { name: 'a delete', text: '-D -t 10.0.0.1:80', issues: [{ line: 1, message: NOT_DECL('-D') }] },
  {
    name: 'address out of range',
    text: '-A -t 999.0.0.1:80 -s rr',
    issues: [{ line: 1, message: 'bad service address "999.0.0.1:80" (want ADDR:PORT or [ADDR6]:PORT)' }],
  },
  {
    name: 'port out of range',
    text: '-A -t 10.0.0.1:99999 -s rr',
    issues: [{ line: 1, message: 'bad service address "10.0.0.1:99999" (want ADDR:PORT or [ADDR6]:PORT)' }],
  },
  {
    name: 'option without its value',
    text: '-A -t 10.0.0.1:80 -s',
    issues: [{ line: 1, message: '-s needs a value' }],
  },
  {
    name: 'unknown option',
    text: '-A -t 10.0.0.1:80 --bogus',
    issues: [{ line: 1, message: 'unknown option "--bogus"' }],
  },
  {
    name: 'weight out of range',
    text: '-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -w 99999999999',
    issues: [{ line: 2, message: 'bad weight "99999999999"' }],
  },
  { name: 'firewall mark 0', text: '-A -f 0 -s rr', issues: [{ line: 1, message: 'bad firewall mark "0"' }] },
  {
    name: 'edit of an undeclared real server',
    text: '-A -t 10.0.0.1:80\n-e -t 10.0.0.1:80 -r 10.0.0.2:80 -w 2',
    issues: [{ line: 2, message: 'edit of a real server not declared above' }],
  },
  {
    name: 'a 100,000-character line',
    text: `-A -t 10.0.0.1:80 -s ${'x'.repeat(100_000)}`,
    issues: [{ line: 1, message: `scheduler name "${'x'.repeat(80)}… (+99920 characters)" too long` }],
  },
  {
    name: 'two services on one line',
    text: '-A -t 10.0.0.1:80 -u 10.0.0.1:53',
    issues: [{ line: 1, message: 'more than one service on the line (-u)' }],
  },
];

describe('hostile ipvsadm-restore rules: every bad line reported with its number, nothing parsed', () => {
  it.each(ruleCases)('$name', ({ text, issues }) => {
    expect(parseRules(text)).toEqual({ ok: false, issues });
  });
});
