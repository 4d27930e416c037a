import {
  isMap,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type ErrorCode,
  type Node as YamlNode,
} from 'yaml';
import { messageOf } from '../core/index.js';

/** One YAML document of a manifest file, with a way to find the line of any field in it. */
export interface ManifestDocument {
  readonly file: string;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** The plain JavaScript value of the document. */
  readonly value: unknown;
  /** 1-based line of the deepest node along `path` that exists (the document line if none). */
  lineOf(path: readonly PropertyKey[]): number;
}

/** A problem with the text itself (not with an object): YAML syntax and the like. */
export interface TextDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ParsedManifestText {
  readonly documents: ManifestDocument[];
  readonly diagnostics: TextDiagnostic[];
}

/**
 * Splits multi-document YAML into documents, keeping positions for messages. A document with a
 * syntax error yields diagnostics and is left out; the others are kept. Never throws.
 *
 * A manifest may be a Secret, so no diagnostic quotes the text: the yaml library's messages
 * name the offending token (an alias, an escape, a tag, a key), which may be a password. Each
 * error code gets a fixed message of ours instead; the line and column say where.
 */
export function parseManifestText(text: string, file: string): ParsedManifestText {
  try {
    return capDiagnostics(parseDocuments(text, file));
  } catch (err) {
    // The parser's own recursion on absurd nesting: the file is an error, never an exception.
    return { documents: [], diagnostics: [{ file, line: 1, column: 1, message: `cannot parse: ${messageOf(err)}` }] };
  }
}

/** Aliases one document may expand: more is an alias bomb (the `yaml` package's own default). */
export const MANIFEST_MAX_ALIASES = 100;
/** Text problems reported per file; a deeply broken file would otherwise flood the log. */
export const MANIFEST_MAX_TEXT_DIAGNOSTICS = 10;

/** Drops repeats of one problem at one place, then keeps the first few. */
function capDiagnostics(parsed: ParsedManifestText): ParsedManifestText {
  const seen = new Set<string>();
  const diagnostics = parsed.diagnostics.filter((d) => {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (diagnostics.length <= MANIFEST_MAX_TEXT_DIAGNOSTICS) return { documents: parsed.documents, diagnostics };
  const kept = diagnostics.slice(0, MANIFEST_MAX_TEXT_DIAGNOSTICS);
  const first = diagnostics[0];
  kept.push({
    file: first?.file ?? '',
    line: first?.line ?? 1,
    column: first?.column ?? 1,
    message: `${diagnostics.length - MANIFEST_MAX_TEXT_DIAGNOSTICS} more problems in this file not shown`,
  });
  return { documents: parsed.documents, diagnostics: kept };
}

function parseDocuments(text: string, file: string): ParsedManifestText {
  const lineCounter = new LineCounter();
  // logLevel 'error': the library's own process warnings quote keys and values on stderr.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const documents: ManifestDocument[] = [];
  const diagnostics: TextDiagnostic[] = [];
  const position = (offset: number) => lineCounter.linePos(offset);

  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      // The parser turns its own stack overflow on absurd nesting into errors, followed by
      // whatever it made of the rest (which depends on the stack size): one error says it all.
      const overflow = doc.errors.find((e) => /stack/i.test(e.message));
      for (const err of overflow ? [overflow] : doc.errors) {
        const pos = position(err.pos[0]);
        const message = overflow ? 'nested too deeply to parse' : YAML_ERRORS[err.code];
        diagnostics.push({ file, line: pos.line, column: pos.col, message });
      }
      continue;
    }
    if (doc.contents === null) continue; // an empty document, e.g. after a trailing "---"
    const line = position(doc.contents.range[0]).line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MANIFEST_MAX_ALIASES });
    } catch (err) {
      // An alias that expands past the count (a "billion laughs"), or one without its anchor:
      // the library's message names the alias, which is never repeated.
      const pos = position(doc.contents.range[0]);
      const message = /excessive alias count/i.test(messageOf(err)) ? ALIAS_BOMB : ALIAS_UNRESOLVED;
      diagnostics.push({ file, line: pos.line, column: pos.col, message });
      continue;
    }
    if (value === null || value === undefined) continue;
    documents.push({ file, line, value, lineOf: (path) => lineOfPath(doc, path, position) ?? line });
  }
  return { documents, diagnostics };
}

function lineOfPath(doc: Document, path: readonly PropertyKey[], position: (o: number) => { line: number }) {
  let node: unknown = doc.contents;
  let found: number | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as YamlNode | string | null;
        return (typeof k === 'object' && k !== null && 'value' in k ? k.value : k) === key;
      });
      if (!pair) break;
      const keyNode = pair.key as YamlNode | null;
      if (keyNode?.range) found = position(keyNode.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as YamlNode | undefined;
      if (!item) break;
      if (item.range) found = position(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return found;
}

const ALIAS_UNRESOLVED = 'an alias (*name) has no anchor before it';
const ALIAS_BOMB = `document expands more than ${MANIFEST_MAX_ALIASES} YAML aliases; not read`;

/** Our message per yaml error code: precise, and quoting nothing from the text. */
const YAML_ERRORS: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias (*name) cannot have a tag or an anchor',
  BAD_ALIAS: 'an alias (*name) is not valid here',
  BAD_DIRECTIVE: 'unsupported or malformed %directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation, or a { } or [ ] left open',
  BAD_PROP_ORDER: 'an anchor or tag is misplaced',
  BAD_SCALAR_START: 'a plain value cannot start with this character; quote it',
  BLOCK_AS_IMPLICIT_KEY: 'a mapping cannot follow a key on its line; quote a value that contains ": "',
  BLOCK_IN_FLOW: 'a block collection cannot be inside a flow collection ({ } or [ ])',
  BAD_COLLECTION_TYPE: 'the tag does not fit this kind of collection',
  DUPLICATE_KEY: 'map keys must be unique',
  IMPOSSIBLE: 'unparseable YAML',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a closing quote, bracket or brace is missing',
  MULTILINE_IMPLICIT_KEY: 'an implicit key must be on a single line',
  MULTIPLE_ANCHORS: 'a node can have at most one anchor',
  MULTIPLE_DOCS: 'more than one document where one was expected; separate documents with ---',
  MULTIPLE_TAGS: 'a node can have at most one tag',
  NON_STRING_KEY: 'map keys must be strings',
  RESOURCE_EXHAUSTION: "the document expands past the parser's limits",
  TAB_AS_INDENT: 'tabs cannot be used for indentation',
  TAG_RESOLVE_FAILED: 'a tag cannot be resolved for this value',
  UNEXPECTED_TOKEN: 'unexpected content; check indentation and the ": " after each key',
};
