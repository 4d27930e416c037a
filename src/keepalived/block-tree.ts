import type { DiagnosticSink, SourcePos } from './diagnostics.js';
import { isBrace, type Token } from './lexer.js';

/**
 * One configuration statement: a keyword, its values on the same line, and the statements of
 * its `{ }` block when it has one. Lists (virtual_ipaddress, unicast_peer, the members of a
 * virtual_server_group) are blocks whose statements are the list lines.
 */
export interface Statement extends SourcePos {
  readonly keyword: string;
  readonly args: readonly Token[];
  /** The block, or undefined for a plain `keyword values` line. */
  readonly block: readonly Statement[] | undefined;
}

interface Building {
  keyword: Token;
  args: Token[];
  block: Building[] | undefined;
}

/** A line of tokens as the preprocessor produced it. */
export type TokenLine = readonly Token[];

function freeze(b: Building): Statement {
  return {
    keyword: b.keyword.text,
    args: b.args,
    block: b.block?.map(freeze),
    file: b.keyword.file,
    line: b.keyword.line,
    col: b.keyword.col,
  };
}

/**
 * Builds the statement tree. Statements are line based, as in keepalived: a line's first word
 * is the keyword and the rest its values; `{` opens the block of the statement before it (on
 * the same line, or the previous line when `{` starts a line); `}` closes the innermost block.
 * Unbalanced braces are reported, never thrown.
 */
export function buildTree(lines: Iterable<TokenLine>, sink: DiagnosticSink): Statement[] {
  const root: Building[] = [];
  const stack: { owner: Building; open: Token }[] = [];
  const container = (): Building[] => stack.at(-1)?.owner.block ?? root;

  for (const tokens of lines) {
    let current: Building | undefined;
    for (const tok of tokens) {
      if (isBrace(tok, '{')) {
        const owner = current ?? container().at(-1);
        if (owner === undefined || owner.block !== undefined) {
          sink.error(tok, 'KA_UNEXPECTED_OPEN', 'a "{" must follow the keyword whose block it opens');
          const anonymous: Building = { keyword: { ...tok, text: '{' }, args: [], block: [] };
          container().push(anonymous);
          stack.push({ owner: anonymous, open: tok });
        } else {
          owner.block = [];
          stack.push({ owner, open: tok });
        }
        current = undefined;
      } else if (isBrace(tok, '}')) {
        if (stack.length === 0) sink.error(tok, 'KA_UNEXPECTED_CLOSE', 'a "}" without a block to close');
        else stack.pop();
        current = undefined;
      } else if (current === undefined) {
        current = { keyword: tok, args: [], block: undefined };
        container().push(current);
      } else {
        current.args.push(tok);
      }
    }
  }
  for (const { owner, open } of stack.reverse()) {
    sink.error(open, 'KA_UNCLOSED_BLOCK', `the block of "${owner.keyword.text}" is never closed: a "}" is missing`);
  }
  return root.map(freeze);
}
