import { describe, expect, it } from 'vitest';
import { memorySource, parseKeepalived, type ParseOptions, type Statement } from '../../../src/keepalived/index.js';

/** A compact view of a statement tree: "keyword args" or [that, children]. */
type View = string | [string, View[]];
function view(sts: readonly Statement[]): View[] {
  return sts.map((s) => {
    const head = [s.keyword, ...s.args.map((a) => a.text)].join(' ');
    return s.block === undefined ? head : [head, view(s.block)];
  });
}

function parse(files: Record<string, string>, options: ParseOptions = {}) {
  return parseKeepalived('main.conf', memorySource(files), options);
}

describe('parseKeepalived', () => {
  it.each([
    {
      name: 'nested blocks',
      text: 'a 1 {\n  b 2\n  c {\n    d\n  }\n}\n',
      expected: [['a 1', ['b 2', ['c', ['d']]]]],
    },
    { name: 'CRLF line ends', text: 'a 1 {\r\n  $V=x \\\r\n  y\r\n  b $V\r\n}\r\n', expected: [['a 1', ['b x', 'y']]] },
    { name: 'brace on the next line', text: 'a\n{\n  b\n}\n', expected: [['a', ['b']]] },
    { name: 'one-line block', text: 'vip { 10.0.0.1 }\nz', expected: [['vip', ['10.0.0.1']], 'z'] },
    { name: 'comments everywhere', text: '# c\na 1 ! x\n!\nb # y\n', expected: ['a 1', 'b'] },
    {
      name: 'parameters, recursive and with braces',
      text: '$B=10.2.${S}\n$S=0\nip ${B}.100\n$S=10\nip ${B}.100 $S\n',
      expected: ['ip 10.2.0.100', 'ip 10.2.10.100 10'],
    },
    { name: 'an undefined parameter stays', text: 'x "${NOPE}" $NOPE\n', expected: ['x ${NOPE} $NOPE'] },
    {
      name: 'multi-line parameter with definitions inside',
      text: '$RS= \\\n  rs ${N} { \\\n  w 1 \\\n  }\n$N=1\n$RS\n$N=2\n$RS\n',
      expected: [
        ['rs 1', ['w 1']],
        ['rs 2', ['w 1']],
      ],
    },
    { name: 'predefined _HASH and _BANG', text: 'x a${_HASH}b${_BANG}\n', expected: ['x a#b!'] },
    {
      name: 'a parameter that holds a conditional',
      text: '$IF=@lb1\n$IF p 240\n',
      expected: ['p 240'],
      configId: 'lb1',
    },
    { name: '~SEQ', text: '~SEQ(N, 1, 2, 5) s $N\n', expected: ['s 1', 's 3', 's 5'] },
    {
      name: '~SEQx and a descending ~SEQ',
      text: '~SEQx(H, 9, 11) h $H\n~SEQ(D, 2, 1) d $D\n',
      expected: ['h 9', 'h a', 'h b', 'd 2', 'd 1'],
    },
    { name: '~LST with pairs', text: '~LST({A, B}, {1, x}, {2, y}) v ${A}${B}\n', expected: ['v 1x', 'v 2y'] },
    {
      name: 'conditionals with a config id',
      text: '@lb1 a\n@lb2 b\n@^lb1 c\n@^lb2 d\n',
      expected: ['a', 'd'],
      configId: 'lb1',
    },
  ])('$name', ({ text, expected, configId }) => {
    const res = parse({ 'main.conf': text }, configId !== undefined ? { configId } : {});
    expect(res.diagnostics).toEqual([]);
    expect(view(res.statements)).toEqual(expected);
  });

  it('follows includes relative to the including file, with globs, in name order', () => {
    const res = parse({
      'main.conf': 'a\ninclude sub/*.conf\nz\n',
      'sub/2.conf': 'two\ninclude ../leaf.conf\n',
      'sub/1.conf': 'one\n',
      'leaf.conf': 'leaf\n',
    });
    expect(res.diagnostics).toEqual([]);
    expect(view(res.statements)).toEqual(['a', 'one', 'two', 'leaf', 'z']);
    expect(res.files).toEqual(['main.conf', 'sub/1.conf', 'sub/2.conf', 'leaf.conf']);
  });

  it('keeps file, line and column on every statement', () => {
    const res = parse({ 'main.conf': 'a {\n  include inc.conf\n}\n', 'inc.conf': '\n   b 1\n' });
    const inner = res.statements[0]?.block?.[0];
    expect(inner && [inner.file, inner.line, inner.col]).toEqual(['inc.conf', 2, 4]);
  });

  it.each([
    { name: 'unclosed block', files: { 'main.conf': 'a {\n b {\n}\n' }, codes: ['KA_UNCLOSED_BLOCK@1'] },
    { name: 'extra close', files: { 'main.conf': 'a\n}\n' }, codes: ['KA_UNEXPECTED_CLOSE@2'] },
    { name: 'stray open', files: { 'main.conf': '{\n}\n' }, codes: ['KA_UNEXPECTED_OPEN@1'] },
    { name: 'missing include', files: { 'main.conf': 'include nope.conf\n' }, codes: ['KA_INCLUDE_MISSING@1'] },
    { name: 'include of itself', files: { 'main.conf': 'include main.conf\n' }, codes: ['KA_INCLUDE_LOOP@1'] },
    { name: 'self-referencing parameter', files: { 'main.conf': '$A=$A x\nv $A\n' }, codes: ['KA_EXPANSION_LIMIT@2'] },
    { name: 'malformed ~SEQ', files: { 'main.conf': '~SEQ(N, 1, 0, 3) x\n' }, codes: ['KA_BAD_SEQUENCE@1'] },
    {
      name: 'conditionals without a config id',
      files: { 'main.conf': '@a x\n@^a y\n' },
      codes: ['KA_CONDITIONAL_UNRESOLVED@1', 'KA_CONDITIONAL_UNRESOLVED@2'],
    },
  ])('reports $name', ({ files, codes }) => {
    const res = parse(files);
    expect(res.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(codes);
  });

  it('bounds ~SEQ and ~LST repetitions over the whole file, nested ones multiplied', () => {
    const res = parse({ 'main.conf': '~SEQ(A, 1, 300) ~SEQ(B, 1, 300) x $A $B\n' });
    expect(res.diagnostics.map((d) => d.code)).toEqual(['KA_EXPANSION_LIMIT']);
    // 300 outer iterations and 65,536 in all: the inner lines stop at the budget.
    expect(res.statements.length).toBeLessThan(65_536);
  });

  it('keeps 1000 diagnostics of one code and counts the rest', () => {
    const res = parse({ 'main.conf': '}\n'.repeat(1500) });
    expect(res.diagnostics).toHaveLength(1001);
    expect(res.diagnostics.at(-1)?.message).toMatch(/^500 more KA_UNEXPECTED_CLOSE diagnostics/);
  });

  it('reports an unreadable entry file instead of throwing', () => {
    const res = parseKeepalived('gone.conf', memorySource({}));
    expect(res.diagnostics.map((d) => d.code)).toEqual(['KA_INCLUDE_MISSING']);
    expect(res.statements).toEqual([]);
  });
});
