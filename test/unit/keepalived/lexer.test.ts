import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../../src/keepalived/diagnostics.js';
import { quoteArgument, splitCommand, stripComment, tokenizeLine } from '../../../src/keepalived/lexer.js';

describe('stripComment', () => {
  it.each([
    { name: 'hash after a value', input: 'priority 100 # main', expected: 'priority 100 ' },
    { name: 'bang at the start', input: '! comment', expected: '' },
    { name: 'bang after a value', input: 'state BACKUP!x', expected: 'state BACKUP' },
    { name: 'hash inside double quotes', input: 'notify "a # b" # c', expected: 'notify "a # b" ' },
    { name: 'bang inside single quotes', input: "notify 'a ! b'", expected: "notify 'a ! b'" },
    { name: 'escaped quote inside quotes', input: 'x "a \\" # b" # c', expected: 'x "a \\" # b" ' },
    { name: 'no comment', input: 'interface eth0', expected: 'interface eth0' },
  ])('$name', ({ input, expected }) => {
    expect(stripComment(input)).toBe(expected);
  });
});

describe('tokenizeLine', () => {
  it.each([
    { name: 'words', input: 'real_server 10.0.0.1 80 {', expected: ['real_server', '10.0.0.1', '80', '{'] },
    { name: 'braces without spaces', input: 'url{path /}', expected: ['url', '{', 'path', '/', '}'] },
    { name: 'quoted words keep spaces', input: 'a "b c" d', expected: ['a', 'b c', 'd'] },
    { name: 'quotes join with neighbours', input: 'abcd" efg h jkl "mnop', expected: ['abcd efg h jkl mnop'] },
    { name: 'escapes inside quotes', input: '"a\\tb\\x41\\101\\\\"', expected: ['a\tbAA\\'] },
    { name: 'a quoted brace is a word', input: 'x "{"', expected: ['x', '{'] },
    { name: 'tabs separate', input: 'delay_loop\t3', expected: ['delay_loop', '3'] },
    // Found by the fuzzer: a no-break space once stopped the word loop without advancing.
    { name: 'non-ASCII spaces separate', input: 'a\u00a0b\u2028c', expected: ['a', 'b', 'c'] },
  ])('$name', ({ input, expected }) => {
    const sink = new DiagnosticSink();
    expect(tokenizeLine(input, { file: 'f', line: 1 }, sink).map((t) => t.text)).toEqual(expected);
    expect(sink.result()).toEqual([]);
  });

  it('keeps 1-based columns, shifted by the indent that was trimmed', () => {
    const toks = tokenizeLine('weight 1', { file: 'f', line: 7 }, new DiagnosticSink(), 4);
    expect(toks.map((t) => [t.line, t.col])).toEqual([
      [7, 5],
      [7, 12],
    ]);
  });

  it('reports an unterminated quote and keeps the word', () => {
    const sink = new DiagnosticSink();
    expect(tokenizeLine('script "/bin/true', { file: 'f', line: 3 }, sink).map((t) => t.text)).toEqual([
      'script',
      '/bin/true',
    ]);
    expect(sink.result().map((d) => [d.code, d.line, d.col])).toEqual([['KA_UNTERMINATED_QUOTE', 3, 8]]);
  });
});

describe('splitCommand and quoteArgument', () => {
  it.each([
    { name: 'plain words', input: '/bin/check.sh a b', expected: ['/bin/check.sh', 'a', 'b'] },
    { name: 'single quotes keep spaces', input: "/x ' spaces here ' y", expected: ['/x', ' spaces here ', 'y'] },
    { name: 'double quotes keep spaces', input: '/x "s p a c e"', expected: ['/x', 's p a c e'] },
    { name: 'runs of whitespace', input: '  /x   y  ', expected: ['/x', 'y'] },
  ])('$name', ({ input, expected }) => {
    expect(splitCommand(input)).toEqual(expected);
  });

  it('refuses an unterminated quote', () => {
    expect(splitCommand("/x 'open")).toBeUndefined();
  });

  it.each([[['/bin/echo', 'a b', "it's", '', 'back\\slash', '#hash']], [['/usr/bin/logger', '-t', 'lb']]])(
    'round-trips %j',
    (argv) => {
      expect(splitCommand(argv.map(quoteArgument).join(' '))).toEqual(argv);
    },
  );
});
