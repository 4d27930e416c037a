import { messageOf } from '../core/errors.js';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';

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
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
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
        const message = overflow ? 'nested too deeply to parse' : firstLine(err.message);
        diagnostics.push({ file, line: pos.line, column: pos.col, message });
      }
      continue;
    }
    if (doc.contents === null) continue; // an empty document, e.g. after a trailing "---"
    const line = position(doc.contents.range[0]).line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MANIFEST_MAX_ALIASES });
    } catch {
      // The only error toJS raises on parsed input: the alias count (a "billion laughs").
      diagnostics.push({
        file,
        line,
        column: 1,
        message: `document expands more than ${MANIFEST_MAX_ALIASES} YAML aliases; not read`,
      });
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

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}
