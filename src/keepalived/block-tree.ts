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

/** The same, while it is being built. */
interface Building extends SourcePos {
  keyword: string;
  args: Token[];
  block: Building[] | undefined;
}

/** A line of tokens as the preprocessor produced it. */
export type TokenLine = readonly Token[];

function statementOf(tok: Token): Building {
  return { keyword: tok.text, args: [], block: undefined, file: tok.file, line: tok.line, col: tok.col };
}

/**
 * Builds the statement tree line by line, as the preprocessor produces lines, so no list of
 * all lines is kept. Statements are line based, as in keepalived: a line's first word is the
 * keyword and the rest its values; `{` opens the block of the statement before it (on the same
 * line, or the previous line when `{` starts a line); `}` closes the innermost block.
 * Unbalanced braces are reported, never thrown.
 */
export class TreeBuilder {
  private readonly root: Building[] = [];
  private readonly stack: { owner: Building; open: Token }[] = [];

  constructor(private readonly sink: DiagnosticSink) {}

  private container(): Building[] {
    return this.stack.at(-1)?.owner.block ?? this.root;
  }

  addLine(tokens: TokenLine): void {
    let current: Building | undefined;
    for (const tok of tokens) {
      if (isBrace(tok, '{')) {
        const owner = current ?? this.container().at(-1);
        if (owner === undefined || owner.block !== undefined) {
          this.sink.error(tok, 'KA_UNEXPECTED_OPEN', 'a "{" must follow the keyword whose block it opens');
          const anonymous = statementOf(tok);
          anonymous.block = [];
          this.container().push(anonymous);
          this.stack.push({ owner: anonymous, open: tok });
        } else {
          owner.block = [];
          this.stack.push({ owner, open: tok });
        }
        current = undefined;
      } else if (isBrace(tok, '}')) {
        if (this.stack.length === 0) this.sink.error(tok, 'KA_UNEXPECTED_CLOSE', 'a "}" without a block to close');
        else this.stack.pop();
        current = undefined;
      } else if (current === undefined) {
        current = statementOf(tok);
        this.container().push(current);
      } else {
        current.args.push(tok);
      }
    }
  }

  /** Reports the blocks still open and returns the tree. */
  finish(): Statement[] {
    for (const { owner, open } of this.stack.reverse()) {
      this.sink.error(open, 'KA_UNCLOSED_BLOCK', `the block of "${owner.keyword}" is never closed: a "}" is missing`);
    }
    this.stack.length = 0;
    return this.root;
  }
}
