import { describe, expect, it } from 'vitest';
import { capture } from './captures.js';
import * as K from '../../../src/ipvs/constants.js';
import { decodeObservedDestination } from '../../../src/ipvs/codec.js';
import { scanDestination } from '../../../src/ipvs/dest-scan.js';
import { nestOf } from '../../../src/ipvs/requests.js';
import { parseGenl, parseMessages, type NetlinkMessage } from '../../../src/ipvs/netlink-wire.js';

// The one-pass scanner must agree with the reference decoder on every captured destination,
// and fail with LVS_IPVS_DECODE wherever the reference does.
const c = capture('list-stats');
const destMessages = c.replies.filter((m) => m.type === c.family && parseGenl(m).cmd === K.IPVS_CMD_NEW_DEST);

const reference = (m: NetlinkMessage) => {
  const nest = nestOf(m, K.IPVS_CMD_ATTR_DEST);
  // The client reports a dump message without its nest as LVS_IPVS_DECODE too.
  if (!nest) throw Object.assign(new Error('no nest'), { code: 'LVS_IPVS_DECODE' });
  return decodeObservedDestination(nest, 'inet', false);
};

describe('scanDestination', () => {
  it('agrees with the reference decoder on captured dumps', () => {
    expect(destMessages.length).toBeGreaterThan(3);
    for (const m of destMessages) expect(scanDestination(m.payload, 'inet')).toEqual(reference(m));
  });
  it('every truncation and every corrupted length fails with LVS_IPVS_DECODE or decodes', () => {
    for (const m of destMessages) {
      for (let cut = 0; cut < m.payload.length; cut++) {
        const t = Buffer.from(m.payload.subarray(0, cut));
        try {
          scanDestination(t, 'inet');
        } catch (err) {
          expect((err as { code?: string }).code).toBe('LVS_IPVS_DECODE');
        }
      }
      for (let at = 4; at < m.payload.length; at += 2) {
        const t = Buffer.from(m.payload);
        t.writeUInt16LE(0x0101, at);
        let ours: unknown;
        let theirs: unknown;
        try {
          ours = scanDestination(t, 'inet');
        } catch (err) {
          ours = (err as { code?: string }).code;
        }
        try {
          const [msg] = parseMessages(
            Buffer.concat([Buffer.from(new Uint32Array([16 + t.length, 0, 0, 0]).buffer), t]),
          );
          theirs = msg ? reference(msg) : 'none';
        } catch (err) {
          theirs = (err as { code?: string }).code;
        }
        expect(ours, `offset ${at}`).toEqual(theirs);
      }
    }
  });
});
