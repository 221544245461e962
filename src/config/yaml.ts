import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { MlopsError } from '../errors.js';
import { parseYamlSubset } from '../io/yaml-subset.js';
import type { KeyPath, LineLocator } from './problems.js';

const MAX_SYNTAX_ERRORS = 5;

export interface YamlSource {
  /** The document as plain data (maps → objects, sequences → arrays). */
  data: unknown;
  /** Line of the deepest part of a key path that exists in the text. */
  lineOf: LineLocator;
}

/**
 * Parses YAML text; syntax errors become one CONFIG_INVALID error naming the first lines/columns.
 * A config in the plain subset of YAML that configs are written in is read by parseYamlSubset
 * (the same data, ~0.1 s less in a cold `mlops run`); line numbers are only needed for error
 * messages, so only then is the text read again by the `yaml` package.
 */
export function parseYamlSource(text: string, source: string): YamlSource {
  const subset = parseYamlSubset(text);
  if (subset !== undefined) {
    let full: YamlSource | undefined;
    return { data: subset.value, lineOf: (path) => (full ??= parseWithYamlPackage(text, source)).lineOf(path) };
  }
  return parseWithYamlPackage(text, source);
}

function parseWithYamlPackage(text: string, source: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    const positions = document.errors.map((error) => {
      const position = error.linePos?.[0];
      const where = position ? `line ${position.line}, column ${position.col}` : 'unknown position';
      // prettyErrors appends a code excerpt; the first line alone reads well in a list.
      const summary = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      return { where, summary, code: error.code };
    });
    // One early mistake often makes the parser trip over every following line; the first few say it all.
    const shown = positions.slice(0, MAX_SYNTAX_ERRORS).map((p) => `${p.where}: ${p.summary}`);
    if (positions.length > MAX_SYNTAX_ERRORS) shown.push(`... and ${positions.length - MAX_SYNTAX_ERRORS} more`);
    const firstLine = document.errors[0]?.linePos?.[0]?.line;
    const firstLineText = firstLine === undefined ? '' : (text.split(/\r?\n/)[firstLine - 1] ?? '');
    const hint = /\{[^"']*\$\{/.test(firstLineText)
      ? `\nHint: inside { ... } a value containing \${...} must be quoted, e.g. default: "/Volumes/\${var.catalog_name}"`
      : '';
    throw new MlopsError(
      'CONFIG_INVALID',
      `Invalid YAML in ${source}: expected valid YAML, found ${shown.length === 1 ? shown[0] : `\n  - ${shown.join('\n  - ')}`}${hint}`,
      { details: { file: source, errors: positions } },
    );
  }

  const lineOf: LineLocator = (path: KeyPath) => {
    let node: unknown = document.contents;
    let offset: number | undefined = rangeStart(node);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };

  return { data: toPlainData(document, source), lineOf };
}

/**
 * A YAML alias may stand for a whole subtree, so a small file can expand to an enormous one (the
 * "billion laughs"). Expansion stops after MAX_ALIAS_COUNT uses of aliases: far beyond what a
 * hand-written config needs, and the error names the file.
 */
const MAX_ALIAS_COUNT = 1000;

function toPlainData(document: ReturnType<typeof parseDocument>, source: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError && /excessive alias count/i.test(error.message)) {
      throw new MlopsError(
        'CONFIG_INVALID',
        `Invalid YAML in ${source}: expected aliases (*name) that expand to a config of reasonable size, found aliases that expand beyond ${MAX_ALIAS_COUNT} uses (a YAML alias bomb?)`,
        { cause: error, details: { file: source } },
      );
    }
    throw error;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
