import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import * as K from '../../../src/ipvs/constants.js';
import type { NetlinkTransport } from '../../../src/ipvs/netlink-channel.js';
import { createNetlinkClient } from '../../../src/ipvs/netlink-client.js';
import { MessageWriter, parseGenl, parseMessages, type NetlinkMessage } from '../../../src/ipvs/netlink-wire.js';

// The netlink adapter against a scripted kernel: whatever comes back, a typed error, no crash.

const FAMILY = 0x1c;
type Script = (req: NetlinkMessage, reply: (b: Buffer) => void) => void;

function ack(req: NetlinkMessage, errno = 0): Buffer {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(36, 0);
  b.writeUInt16LE(K.NLMSG_ERROR, 4);
  b.writeUInt32LE(req.seq, 8);
  b.writeInt32LE(-errno, 16);
  b.writeUInt32LE(16, 20);
  return b;
}

function done(req: NetlinkMessage): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(20, 0);
  b.writeUInt16LE(K.NLMSG_DONE, 4);
  b.writeUInt16LE(K.NLM_F_MULTI, 6);
  b.writeUInt32LE(req.seq, 8);
  return b;
}

function familyReply(req: NetlinkMessage, withId = true): Buffer {
  const w = new MessageWriter();
  w.beginGenl(K.GENL_ID_CTRL, 0, req.seq, 0, K.CTRL_CMD_NEWFAMILY, 2);
  w.string(K.CTRL_ATTR_FAMILY_NAME, 'IPVS');
  if (withId) w.u16(K.CTRL_ATTR_FAMILY_ID, FAMILY);
  w.endMessage();
  return w.take();
}

/** A transport that answers each request message through `script`. */
function scripted(script: Script): () => NetlinkTransport {
  return () => {
    let deliver: (b: Buffer) => void = () => undefined;
    return {
      port: 1234,
      send(bytes, cb) {
        cb();
        for (const m of parseMessages(bytes)) setImmediate(() => script(m, (b) => deliver(b)));
      },
      onDatagram: (fn) => (deliver = fn),
      onFailure: () => undefined,
      close: () => undefined,
    };
  };
}

/** Resolves the family, then hands IPVS requests to `ipvs`. */
const kernel = (ipvs: Script): (() => NetlinkTransport) =>
  scripted((req, reply) => {
    if (req.type === K.GENL_ID_CTRL) reply(Buffer.concat([familyReply(req), ack(req)]));
    else ipvs(req, reply);
  });

const open = (t: () => NetlinkTransport, timeoutMs = 2000) =>
  createNetlinkClient({ log: silentLogger(), timeoutMs }, t);

describe('netlink client against bad replies', () => {
  it('no IPVS family: LVS_IPVS_UNAVAILABLE', async () => {
    await expect(open(scripted((req, reply) => reply(ack(req, constants.errno.ENOENT))))).rejects.toMatchObject({
      code: 'LVS_IPVS_UNAVAILABLE',
    });
  });

  it('a family reply without its id: LVS_IPVS_DECODE', async () => {
    await expect(
      open(scripted((req, reply) => reply(Buffer.concat([familyReply(req, false), ack(req)])))),
    ).rejects.toMatchObject({
      code: 'LVS_IPVS_DECODE',
    });
  });

  it('a truncated attribute in a dump: LVS_IPVS_DECODE, and the client keeps working', async () => {
    const client = await open(
      kernel((req, reply) => {
        const { cmd } = parseGenl(req);
        if (cmd === K.IPVS_CMD_GET_SERVICE) {
          const w = new MessageWriter();
          w.beginGenl(FAMILY, K.NLM_F_MULTI, req.seq, 0, K.IPVS_CMD_NEW_SERVICE, 1);
          w.beginNest(K.IPVS_CMD_ATTR_SERVICE, false).u16(K.IPVS_SVC_ATTR_AF, K.AF_INET).endNest();
          w.endMessage();
          const bytes = w.take();
          bytes.writeUInt16LE(0x40, 24); // the AF attribute claims 64 bytes
          reply(Buffer.concat([bytes, done(req)]));
        } else if (cmd === K.IPVS_CMD_GET_INFO) {
          const w = new MessageWriter();
          w.beginGenl(FAMILY, 0, req.seq, 0, K.IPVS_CMD_SET_INFO, 1);
          w.u32(K.IPVS_INFO_ATTR_VERSION, K.IP_VS_VERSION_CODE).u32(K.IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
          w.u32(99, 7); // an attribute from a newer kernel
          w.endMessage();
          reply(Buffer.concat([w.take(), ack(req)]));
        }
      }),
    );
    await expect(client.dump()).rejects.toMatchObject({ code: 'LVS_IPVS_DECODE' });
    await expect(client.info()).resolves.toEqual({ version: K.IP_VS_VERSION_CODE, connTableSize: 4096 });
    client.close();
  });

  it('a datagram with a bad netlink length fails the request with LVS_IPVS_TRANSPORT', async () => {
    const client = await open(
      kernel((req, reply) => {
        const b = ack(req);
        b.writeUInt32LE(9999, 0);
        reply(b);
      }),
    );
    await expect(client.info()).rejects.toMatchObject({ code: 'LVS_IPVS_TRANSPORT' });
    client.close();
  });

  it('a batch where the kernel refuses one message: that op carries the errno, the others succeed', async () => {
    let n = 0;
    const client = await open(
      kernel((req, reply) => {
        n++;
        if (n === 2) reply(ack(req, constants.errno.ENOMEM));
        else if (req.flags & K.NLM_F_ACK) reply(ack(req));
      }),
    );
    const key = (i: number) => ({ kind: 'fwmark', af: 'inet', fwmark: i }) as const;
    const svc = (i: number) => ({
      key: key(i),
      scheduler: 'rr',
      flags: 0,
      timeoutMs: 0,
      netmask: 0xffffffff,
      peName: '',
    });
    const results = await client.apply([1, 2, 3].map((i) => ({ op: 'addService', service: svc(i) }) as const));
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'LVS_IPVS_KERNEL', 'ok']);
    expect(results[1]?.error).toMatchObject({
      op: 'addService',
      errno: constants.errno.ENOMEM,
      object: { service: key(2) },
    });
    client.close();
  });

  it('an op IPVS cannot carry fails alone with LVS_IPVS_INVALID_OBJECT', async () => {
    const client = await open(kernel((req, reply) => (req.flags & K.NLM_F_ACK ? reply(ack(req)) : undefined)));
    const results = await client.apply([
      {
        op: 'addService',
        service: {
          key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '2001:db8::1', port: 80 },
          scheduler: 'rr',
          flags: 0,
          timeoutMs: 0,
          netmask: 0,
          peName: '',
        },
      },
      {
        op: 'addService',
        service: {
          key: { kind: 'fwmark', af: 'inet', fwmark: 1 },
          scheduler: 'rr',
          flags: 0,
          timeoutMs: 0,
          netmask: 0,
          peName: '',
        },
      },
    ]);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['LVS_IPVS_INVALID_OBJECT', 'ok']);
    client.close();
  });

  it('no answer: LVS_IPVS_TRANSPORT after the timeout', async () => {
    const client = await open(
      kernel(() => undefined),
      50,
    );
    await expect(client.getTimeouts()).rejects.toMatchObject({
      code: 'LVS_IPVS_TRANSPORT',
      errno: constants.errno.ETIMEDOUT,
    });
    client.close();
  });
});
