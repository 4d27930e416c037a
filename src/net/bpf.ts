/**
 * Pure: the classic BPF program (include/uapi/linux/filter.h) attached to the AF_PACKET
 * socket that captures VIP-path probe answers. It runs in the kernel before the frame is
 * queued, so the socket only ever sees incoming TCP SYN-ACKs and RSTs to the probe port range:
 * everything else on the interface costs a few instructions and no wake-up.
 */

/** One `struct sock_filter`. */
export interface BpfInsn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

// Opcodes (include/uapi/linux/bpf_common.h): class | size | mode, class | op | source.
const LD_W_ABS = 0x20;
const LD_H_ABS = 0x28;
const LD_B_ABS = 0x30;
const LD_H_IND = 0x48;
const LD_B_IND = 0x50;
const LDX_B_MSH = 0xb1;
// Fields of a load's code (include/uapi/linux/bpf_common.h).
const BPF_SIZE = 0x18;
const BPF_H = 0x08;
const BPF_MODE = 0xe0;
const BPF_IND = 0x40;
const JEQ_K = 0x15;
const JGT_K = 0x25;
const JGE_K = 0x35;
const JSET_K = 0x45;
const AND_K = 0x54;
const RET_K = 0x06;
/** SKF_AD_OFF + SKF_AD_PKTTYPE (include/uapi/linux/filter.h): the skb's packet type. */
const SKF_AD_PKTTYPE = 0xfffff000 + 4;
/** PACKET_OUTGOING (include/uapi/linux/if_packet.h): our own transmitted frames. */
const PACKET_OUTGOING = 4;
/** Bytes kept of a matching frame: Ethernet, IPv6 and the TCP header fit. */
const SNAPLEN = 128;
const TCP_RST = 0x04;
const TCP_SYN_ACK = 0x12;

type Target = number | 'accept' | 'drop';
interface Step {
  readonly code: number;
  readonly k: number;
  readonly jt?: Target;
  readonly jf?: Target;
}

/** Resolves symbolic jump targets into the relative offsets classic BPF uses. */
function assemble(steps: readonly Step[]): BpfInsn[] {
  const accept = steps.length;
  const drop = steps.length + 1;
  const at = (t: Target | undefined, i: number): number => {
    if (t === undefined) return 0;
    const abs = t === 'accept' ? accept : t === 'drop' ? drop : t;
    return abs - i - 1;
  };
  return [
    ...steps.map((s, i) => ({ code: s.code, jt: at(s.jt, i), jf: at(s.jf, i), k: s.k >>> 0 })),
    { code: RET_K, jt: 0, jf: 0, k: SNAPLEN },
    { code: RET_K, jt: 0, jf: 0, k: 0 },
  ];
}

/**
 * Accepts incoming IPv4 (family 4) or IPv6 (family 6, TCP as the first next header) TCP
 * segments to a destination port in [portFrom, portTo] that carry RST, or both SYN and ACK.
 * Offsets count from the Ethernet header (SOCK_RAW).
 */
export function probeAnswerFilter(family: 4 | 6, portFrom: number, portTo: number): BpfInsn[] {
  const head: Step[] = [
    { code: LD_W_ABS, k: SKF_AD_PKTTYPE },
    { code: JEQ_K, k: PACKET_OUTGOING, jt: 'drop' },
    { code: LD_H_ABS, k: 12 },
  ];
  const l3: Step[] =
    family === 4
      ? [
          { code: JEQ_K, k: 0x0800, jf: 'drop' },
          { code: LD_B_ABS, k: 14 + 9 },
          { code: JEQ_K, k: 6, jf: 'drop' },
          // A non-first fragment has no TCP header; a first one is never sent by a SYN-ACK.
          { code: LD_H_ABS, k: 14 + 6 },
          { code: JSET_K, k: 0x3fff, jt: 'drop' },
          // X = IPv4 header length, so the TCP header starts at X + 14.
          { code: LDX_B_MSH, k: 14 },
          { code: LD_H_IND, k: 14 + 2 },
        ]
      : [
          { code: JEQ_K, k: 0x86dd, jf: 'drop' },
          { code: LD_B_ABS, k: 14 + 6 },
          { code: JEQ_K, k: 6, jf: 'drop' },
          { code: LD_H_ABS, k: 14 + 40 + 2 },
        ];
  const flags: Step = family === 4 ? { code: LD_B_IND, k: 14 + 13 } : { code: LD_B_ABS, k: 14 + 40 + 13 };
  const tail: Step[] = [
    { code: JGE_K, k: portFrom, jf: 'drop' },
    { code: JGT_K, k: portTo, jt: 'drop' },
    flags,
    { code: JSET_K, k: TCP_RST, jt: 'accept' },
    { code: AND_K, k: TCP_SYN_ACK },
    { code: JEQ_K, k: TCP_SYN_ACK, jt: 'accept', jf: 'drop' },
  ];
  return assemble([...head, ...l3, ...tail]);
}

/** `struct sock_filter` array bytes, in the host's byte order (the kernel reads them as is). */
export function encodeBpf(program: readonly BpfInsn[], littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(program.length * 8);
  const v = new DataView(out.buffer);
  program.forEach((insn, i) => {
    v.setUint16(i * 8, insn.code, littleEndian);
    out[i * 8 + 2] = insn.jt;
    out[i * 8 + 3] = insn.jf;
    v.setUint32(i * 8 + 4, insn.k, littleEndian);
  });
  return out;
}

/** Reads back what {@link encodeBpf} wrote (fakes run the program a socket was given). */
export function decodeBpf(bytes: Uint8Array, littleEndian: boolean): BpfInsn[] {
  if (bytes.length % 8 !== 0) throw new RangeError('a BPF program is a whole number of 8-byte instructions');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: BpfInsn[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    out.push({
      code: v.getUint16(at, littleEndian),
      jt: bytes[at + 2] ?? 0,
      jf: bytes[at + 3] ?? 0,
      k: v.getUint32(at + 4, littleEndian),
    });
  }
  return out;
}

/**
 * Runs a program over a frame as the kernel's classic BPF interpreter does (net/core/filter.c),
 * for the instructions {@link probeAnswerFilter} uses; `pktType` stands for the skb's packet
 * type. Returns the number of bytes the kernel would keep (0: dropped). Lets unit tests judge
 * the filter on real frames without a socket.
 */
export function runBpf(program: readonly BpfInsn[], frame: Uint8Array, pktType: number): number {
  let a = 0;
  let x = 0;
  const byte = (off: number): number | undefined => (off < frame.length ? frame[off] : undefined);
  const half = (off: number): number | undefined =>
    off + 1 < frame.length ? ((frame[off] ?? 0) << 8) | (frame[off + 1] ?? 0) : undefined;
  for (let pc = 0; pc < program.length; pc++) {
    const insn = program[pc] as BpfInsn;
    const jump = (cond: boolean) => {
      pc += cond ? insn.jt : insn.jf;
    };
    let loaded: number | undefined;
    switch (insn.code) {
      case LD_W_ABS:
        if (insn.k !== SKF_AD_PKTTYPE) throw new RangeError(`unsupported load of word at ${insn.k}`);
        a = pktType;
        break;
      case LD_H_ABS:
      case LD_B_ABS:
      case LD_H_IND:
      case LD_B_IND: {
        // The code's mode bits say absolute or X-relative, its size bits half-word or byte.
        const at = (insn.code & BPF_MODE) === BPF_IND ? x + insn.k : insn.k;
        loaded = (insn.code & BPF_SIZE) === BPF_H ? half(at) : byte(at);
        // A load past the frame's end ends the program: the kernel drops the frame.
        if (loaded === undefined) return 0;
        a = loaded;
        break;
      }
      case LDX_B_MSH:
        loaded = byte(insn.k);
        if (loaded === undefined) return 0;
        x = (loaded & 0x0f) * 4;
        break;
      case JEQ_K:
        jump(a === insn.k);
        break;
      case JGT_K:
        jump(a > insn.k);
        break;
      case JGE_K:
        jump(a >= insn.k);
        break;
      case JSET_K:
        jump((a & insn.k) !== 0);
        break;
      case AND_K:
        a &= insn.k;
        break;
      case RET_K:
        return Math.min(insn.k, frame.length);
      default:
        throw new RangeError(`unsupported BPF opcode ${insn.code}`);
    }
  }
  return 0;
}
