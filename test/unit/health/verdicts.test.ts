import { describe, expect, it } from 'vitest';
import { fileVerdict, parseFileValue } from '../../../src/health/file-check.js';
import { decodeEcho, encodeEchoRequest } from '../../../src/health/icmp-echo.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { miscVerdict } from '../../../src/health/misc-check.js';
import { reasonOfError } from '../../../src/health/socket-errors.js';

describe('miscVerdict (check_misc.c)', () => {
  it.each([
    { status: 0, dynamic: false, expected: { ok: true, latencyMs: 1 } },
    { status: 1, dynamic: false, expected: { ok: false, reason: 'exit', detail: 'exit status 1', latencyMs: 1 } },
    { status: 3, dynamic: false, expected: { ok: false, reason: 'exit', detail: 'exit status 3', latencyMs: 1 } },
    { status: 0, dynamic: true, expected: { ok: true, latencyMs: 1 } },
    { status: 1, dynamic: true, expected: { ok: false, reason: 'exit', detail: 'exit status 1', latencyMs: 1 } },
    {
      status: 2,
      dynamic: true,
      expected: { ok: true, latencyMs: 1, weight: { kind: 'set', weight: 0 }, detail: 'exit 2' },
    },
    {
      status: 255,
      dynamic: true,
      expected: { ok: true, latencyMs: 1, weight: { kind: 'set', weight: 253 }, detail: 'exit 255' },
    },
  ])('exit $status dynamic=$dynamic', ({ status, dynamic, expected }) => {
    expect(miscVerdict(status, dynamic, 1)).toEqual(expected);
  });
});

describe('fileVerdict (check_file.c, track_file.c)', () => {
  it.each([
    { name: 'weight 0, value 0: up', value: 0, weight: 0, reverse: false, ok: true },
    { name: 'weight 0, value 1: down', value: 1, weight: 0, reverse: false, ok: false },
    { name: 'weight 0 reverse, value 0: down', value: 0, weight: 0, reverse: true, ok: false },
    { name: 'weight 0 reverse, value 5: up', value: 5, weight: 0, reverse: true, ok: true },
    { name: 'weight 2, value 3: +6', value: 3, weight: 2, reverse: false, ok: true, delta: 6 },
    { name: 'weight 2 reverse, value 3: -6', value: 3, weight: 2, reverse: true, ok: true, delta: -6 },
  ])('$name', ({ value, weight, reverse, ok, delta }) => {
    const r = fileVerdict(value, { weight, reverse }, 0);
    expect(r.ok).toBe(ok);
    if (delta !== undefined) expect(r.ok && r.weight).toEqual({ kind: 'add', delta });
  });
  it.each([
    { text: '12\n', value: 12 },
    { text: '  -3 trailing', value: -3 },
    { text: '', value: 0 },
    { text: 'abc', value: 0 },
  ])('parses "$text"', ({ text, value }) => {
    expect(parseFileValue(text)).toBe(value);
  });
});

describe('ICMP echo codec', () => {
  it('builds an IPv4 echo request with a valid checksum', () => {
    const msg = encodeEchoRequest(4, 0x1234, 7, Buffer.from('abc'));
    expect([...msg.subarray(0, 2)]).toEqual([8, 0]);
    expect(internetChecksum(msg)).toBe(0);
    expect(msg.readUInt16BE(4)).toBe(0x1234);
    expect(msg.readUInt16BE(6)).toBe(7);
  });
  it('reads an IPv4 echo reply after the IP header', () => {
    const icmp = encodeEchoRequest(4, 0x1234, 7, Buffer.alloc(0));
    icmp[0] = 0;
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    expect(decodeEcho(4, Buffer.concat([ip, icmp]))).toEqual({ kind: 'reply', id: 0x1234, seq: 7 });
  });
  it('reads an IPv4 destination unreachable quoting our request', () => {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    const unreachable = Buffer.alloc(8);
    unreachable[0] = 3;
    const quoted = Buffer.concat([ip, encodeEchoRequest(4, 0x1234, 9, Buffer.alloc(0))]);
    expect(decodeEcho(4, Buffer.concat([ip, unreachable, quoted]))).toEqual({
      kind: 'unreachable',
      id: 0x1234,
      seq: 9,
    });
  });
  it('reads an ICMPv6 echo reply and ignores other messages', () => {
    const reply = encodeEchoRequest(6, 1, 2, Buffer.alloc(0));
    reply[0] = 129;
    expect(decodeEcho(6, reply)).toEqual({ kind: 'reply', id: 1, seq: 2 });
    const advert = Buffer.alloc(8);
    advert[0] = 134;
    expect(decodeEcho(6, advert)).toBeUndefined();
  });
});

describe('reasonOfError', () => {
  it.each([
    { err: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), reason: 'refused' },
    { err: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), reason: 'timeout' },
    { err: Object.assign(new Error('x'), { code: 'ECONNRESET' }), reason: 'reset' },
    { err: Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), reason: 'unreachable' },
    { err: Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), reason: 'tls' },
    { err: Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), reason: 'tls' },
    { err: Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), reason: 'tls' },
    { err: new Error('something else'), reason: 'error' },
  ])('$reason', ({ err, reason }) => {
    expect(reasonOfError(err).reason).toBe(reason);
  });
});
