/** Hand-built netlink frames for the IPVS hostile-input cases: each helper lays out one level. */

/** One attribute: length, type, payload, padded to 4 bytes. `len` overrides the length field. */
export function nla(type: number, payload: Buffer, len = 4 + payload.length): Buffer {
  const b = Buffer.alloc((4 + payload.length + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

export const u16 = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
export const be16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};
export const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

/** A netlink message: 16-byte header (`len` overrides its length field) and payload. */
export function nlmsg(type: number, payload: Buffer, len = 16 + payload.length): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(len, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, payload]);
}

/** A generic netlink payload: command, version 1, two reserved bytes, attributes. */
export const genl = (cmd: number, ...attrs: Buffer[]): Buffer => Buffer.concat([Buffer.from([cmd, 1, 0, 0]), ...attrs]);

/** The attributes of a valid TCP service 10.0.0.1:80 rr, with overrides by attribute type. */
export function serviceAttrs(over: ReadonlyMap<number, Buffer | undefined> = new Map()): Buffer {
  const base = new Map<number, Buffer>([
    [1, u16(2)], // AF_INET
    [2, u16(6)], // IPPROTO_TCP
    [3, Buffer.from([10, 0, 0, 1, ...new Array<number>(12).fill(0)])],
    [4, be16(80)],
    [6, cstr('rr')],
    [7, Buffer.alloc(8)],
    [8, u32(0)],
    [9, Buffer.from([255, 255, 255, 255])],
  ]);
  for (const [t, v] of over) {
    if (v === undefined) base.delete(t);
    else base.set(t, v);
  }
  return Buffer.concat([...base].map(([t, v]) => nla(t, v)));
}

/** A GET_DEST dump payload for destination 10.0.0.2:80, with overrides by attribute type. */
export function destPayload(over: ReadonlyMap<number, Buffer | undefined> = new Map()): Buffer {
  const base = new Map<number, Buffer>([
    [1, Buffer.from([10, 0, 0, 2, ...new Array<number>(12).fill(0)])],
    [2, be16(80)],
    [3, u32(3)], // droute
    [4, u32(1)],
    [5, u32(0)],
    [6, u32(0)],
    [7, u32(0)],
    [8, u32(0)],
    [9, u32(0)],
  ]);
  for (const [t, v] of over) {
    if (v === undefined) base.delete(t);
    else base.set(t, v);
  }
  return genl(8, nla(2 | 0x8000, Buffer.concat([...base].map(([t, v]) => nla(t, v)))));
}
