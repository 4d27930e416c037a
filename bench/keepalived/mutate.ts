/**
 * Deterministic mutations of keepalived.conf text for the fuzzer: a seeded generator (mulberry32)
 * so that any input can be regenerated from (seed, index).
 */

export type Random = () => number;

/** mulberry32: small, fast, good enough to drive mutations. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: Random, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Characters and fragments that exercise the lexer, the preprocessor and the block parser. */
const FRAGMENTS = [
  '{',
  '}',
  '"',
  "'",
  '#',
  '!',
  '\\',
  '\n',
  ' ',
  '\t',
  '$',
  '${',
  '@',
  '@^',
  '~SEQ(',
  '~LST(',
  ')',
  ',',
  '$A=${A}${A}',
  '$B= \\',
  '~SEQ(X, 1, 100000) ',
  '~LST({a,b},{1,2}) ',
  'include ',
  'include *.conf',
  'include inc/loop-a.conf',
  '${_RANDOM 1 9}',
  '${_ENV HOME}',
  '999999999999',
  '-1',
  '0',
  '255.255.255.255',
  '::',
  '2001:db8::1',
  '10.0.0.1-300',
  'virtual_server ',
  'real_server ',
  'vrrp_instance ',
  'HTTP_GET {',
  'url {',
  'track_script {',
  'virtual_ipaddress {',
  'fwmark ',
  'group ',
  'lb_kind TUN type gue port',
];

/** One mutated copy of `text`; `others` supplies lines to splice in. */
export function mutate(text: string, others: readonly string[], rnd: Random): string {
  let out = text;
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < rounds; r++) {
    const lines = out.split('\n');
    const at = Math.floor(rnd() * (out.length + 1));
    const line = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 9)) {
      case 0: // delete a span
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rnd() * 8));
        break;
      case 1: // insert a fragment
        out = out.slice(0, at) + pick(rnd, FRAGMENTS) + out.slice(at);
        break;
      case 2: // duplicate a line
        lines.splice(line, 0, lines[line] ?? '');
        out = lines.join('\n');
        break;
      case 3: // delete a line
        lines.splice(line, 1);
        out = lines.join('\n');
        break;
      case 4: {
        // splice a line of another file
        const other = pick(rnd, others).split('\n');
        lines.splice(line, 0, pick(rnd, other));
        out = lines.join('\n');
        break;
      }
      case 5: // truncate
        out = out.slice(0, at);
        break;
      case 6: // a random byte, control characters and non-ASCII included
        out = out.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x3000)) + out.slice(at);
        break;
      case 7: // replace a number
        out = out.replace(/[0-9]+/, () => pick(rnd, ['0', '65536', '4294967296', '-5', '1.5', '1e9', '']));
        break;
      default: {
        // swap two lines
        const other = Math.floor(rnd() * lines.length);
        [lines[line], lines[other]] = [lines[other] ?? '', lines[line] ?? ''];
        out = lines.join('\n');
      }
    }
  }
  return out;
}
