import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlLibNode } from 'yaml';
import { MlopsError } from '../../errors.js';

/**
 * MLflow's meta.yaml files are written by PyYAML's `safe_dump` (YAML 1.1, sorted keys, block
 * style) and read back with PyYAML's implicit typing. We write the same bytes for the values
 * MLflow stores, and read the way PyYAML would — a plain `1e5` is a string in YAML 1.1 but a
 * number in YAML 1.2, so the `yaml` package's own typing cannot be trusted here. We parse with
 * the failsafe schema (every scalar is text) and resolve types ourselves per field.
 */

/** A value we write into a meta.yaml. Numbers must be integers (MLflow stores only those). */
export type MetaValue = string | number | null | MetaValue[] | { [key: string]: MetaValue };

/** A parsed YAML node before typing: a scalar keeps whether it was quoted. */
export type YamlNode =
  | { kind: 'scalar'; text: string; quoted: boolean }
  | { kind: 'list'; items: YamlNode[] }
  | { kind: 'map'; entries: Map<string, YamlNode> };

// PyYAML's implicit resolvers (yaml/resolver.py): a plain scalar matching one of these is not a string.
const NULL_WORDS = /^(?:~|null|Null|NULL|)$/;
const BOOL_WORDS = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT_11 = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_11 =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP_11 =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

function resolvesToNonString(text: string): boolean {
  return (
    NULL_WORDS.test(text) ||
    BOOL_WORDS.test(text) ||
    INT_11.test(text) ||
    FLOAT_11.test(text) ||
    TIMESTAMP_11.test(text) ||
    text === '<<' ||
    text === '='
  );
}

/** Characters PyYAML's reader refuses raw, plus line breaks and tabs, which force double quotes. */
function needsEscaping(codePoint: number): boolean {
  if (codePoint < 0x20) return true;
  if (codePoint >= 0x7f && codePoint <= 0x9f) return true;
  if (codePoint === 0x2028 || codePoint === 0x2029 || codePoint === 0xfeff) return true;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return true; // a lone surrogate
  return codePoint === 0xfffe || codePoint === 0xffff;
}

const ALWAYS_INDICATORS = new Set(['#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

/** Mirrors PyYAML's Emitter.analyze_scalar for block context: can `text` be written unquoted? */
function canBePlain(text: string): boolean {
  if (text === '' || resolvesToNonString(text)) return false;
  if (text.startsWith('---') || text.startsWith('...')) return false;
  if (/^\s|\s$/.test(text)) return false;
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i]!;
    if (needsEscaping(ch.codePointAt(0)!)) return false;
    const next = chars[i + 1];
    const followedBySpace = next === undefined || next === ' ';
    if (i === 0) {
      if (ALWAYS_INDICATORS.has(ch)) return false;
      if ((ch === '-' || ch === '?' || ch === ':') && followedBySpace) return false;
    } else {
      if (ch === ':' && followedBySpace) return false;
      if (ch === '#' && chars[i - 1] === ' ') return false;
    }
  }
  return true;
}

// PyYAML's Emitter.ESCAPE_REPLACEMENTS, so our double-quoted strings match its bytes.
const SHORT_ESCAPES = new Map<string, string>([
  ['\0', '0'], ['\x07', 'a'], ['\b', 'b'], ['\t', 't'], ['\n', 'n'], ['\v', 'v'], ['\f', 'f'], ['\r', 'r'],
  ['\x1b', 'e'], ['"', '"'], ['\\', '\\'], ['\x85', 'N'], ['\u2028', 'L'], ['\u2029', 'P'],
]);

function doubleQuoted(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const short = SHORT_ESCAPES.get(ch);
    if (short !== undefined) out += `\\${short}`;
    else if (needsEscaping(cp)) out += cp <= 0xff ? `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

type ScalarStyle = 'plain' | 'single' | 'double';

function styleOf(text: string): ScalarStyle {
  if (canBePlain(text)) return 'plain';
  return Array.from(text).some((ch) => needsEscaping(ch.codePointAt(0)!)) ? 'double' : 'single';
}

/** One string the way PyYAML's safe_dump writes it: plain, else single-quoted, else double-quoted. */
export function yamlString(text: string): string {
  const style = styleOf(text);
  if (style === 'plain') return text;
  if (style === 'double') return doubleQuoted(text);
  return `'${text.replace(/'/g, "''")}'`;
}

// PyYAML's default best_width: a single space after column 80 becomes a line break.
const BEST_WIDTH = 80;

/**
 * A mapping value as PyYAML writes it after `key:`, folding long plain and single-quoted text
 * at single spaces past column 80 onto lines indented by `indent` (Emitter.write_plain and
 * write_single_quoted), so long descriptions come out byte-for-byte as MLflow writes them.
 */
function foldedValue(text: string, column: number, indent: number): string {
  const style = styleOf(text);
  if (style === 'double') return ` ${doubleQuoted(text)}`;
  const quote = style === 'single' ? "'" : '';
  let out = ` ${quote}`;
  let col = column + 1 + quote.length;
  const runs = text.match(/ +|[^ ]+/g) ?? [];
  runs.forEach((run, index) => {
    const isInner = index > 0 && index < runs.length - 1;
    if (run.startsWith(' ') && run.length === 1 && col > BEST_WIDTH && (style === 'plain' || isInner)) {
      out += `\n${' '.repeat(indent)}`;
      col = indent;
      return;
    }
    const written = quote === "'" ? run.replace(/'/g, "''") : run;
    out += written;
    col += Array.from(written).length;
  });
  return out + quote;
}

function scalar(value: string | number | null, where: string): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new MlopsError('INTERNAL', `${where}: meta.yaml values must be safe integers, got ${value}`);
    return String(value);
  }
  return yamlString(value);
}

function isEmptyCollection(value: MetaValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

function emitMapping(record: { [key: string]: MetaValue }, indent: string, lines: string[]): void {
  // PyYAML sorts keys by code point; so does a plain comparison of JS strings for the keys MLflow uses.
  for (const key of Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const value = record[key]!;
    const head = `${indent}${yamlString(key)}:`;
    if (Array.isArray(value) && value.length > 0) {
      lines.push(head);
      // PyYAML writes a list inside a mapping without indenting its dashes.
      for (const item of value) {
        if (Array.isArray(item) || (item !== null && typeof item === 'object')) {
          throw new MlopsError('INTERNAL', `meta.yaml key "${key}": nested collections inside lists are not written by MLflow`);
        }
        lines.push(`${indent}- ${scalar(item, key)}`);
      }
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && !isEmptyCollection(value)) {
      lines.push(head);
      emitMapping(value, `${indent}  `, lines);
    } else if (isEmptyCollection(value)) {
      lines.push(`${head} ${Array.isArray(value) ? '[]' : '{}'}`);
    } else {
      const column = Array.from(head).length;
      lines.push(typeof value === 'string' ? `${head}${foldedValue(value, column, indent.length + 2)}` : `${head} ${scalar(value as number | null, key)}`);
    }
  }
}

/** Serialises a meta.yaml the way MLflow's write_yaml does (sorted keys, block style). */
export function dumpMetaYaml(record: { [key: string]: MetaValue }): string {
  const lines: string[] = [];
  emitMapping(record, '', lines);
  return lines.map((line) => `${line}\n`).join('');
}

function toNode(node: YamlLibNode | null | undefined): YamlNode {
  if (node === null || node === undefined) return { kind: 'scalar', text: '', quoted: false };
  if (isScalar(node)) {
    return { kind: 'scalar', text: String(node.value ?? ''), quoted: node.type !== 'PLAIN' };
  }
  if (isSeq(node)) return { kind: 'list', items: node.items.map((item) => toNode(item as YamlLibNode)) };
  if (isMap(node)) {
    const entries = new Map<string, YamlNode>();
    for (const pair of node.items) {
      const key = toNode(pair.key as YamlLibNode);
      if (key.kind !== 'scalar') throw new Error('a mapping key is not a scalar');
      entries.set(key.text, toNode(pair.value as YamlLibNode));
    }
    return { kind: 'map', entries };
  }
  throw new Error('unsupported YAML node (alias or unknown)');
}

function describe(node: YamlNode | undefined): string {
  if (node === undefined) return 'nothing';
  if (node.kind === 'list') return 'a list';
  if (node.kind === 'map') return 'a mapping';
  if (!node.quoted && NULL_WORDS.test(node.text)) return 'null';
  return JSON.stringify(node.text);
}

/** A parsed meta.yaml with typed accessors; every failure is CORRUPT and names the file and key. */
export class MetaDoc {
  constructor(
    readonly file: string,
    private readonly entries: Map<string, YamlNode>,
  ) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The CORRUPT error for `key`, saying what was expected and what the file holds. */
  invalid(key: string, expected: string): MlopsError {
    const found = describe(this.entries.get(key));
    return new MlopsError('CORRUPT', `${this.file}: key "${key}" should be ${expected}, found ${found}`, {
      details: { file: this.file, key, expected, found },
    });
  }

  /** A string, or undefined when the key is absent or null. Unquoted numbers come back as their text, as str() would give. */
  optionalString(key: string): string | undefined {
    const node = this.entries.get(key);
    if (node === undefined) return undefined;
    if (node.kind !== 'scalar') throw this.invalid(key, 'a string');
    if (!node.quoted && NULL_WORDS.test(node.text)) return undefined;
    return node.text;
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) throw this.invalid(key, 'a string');
    return value;
  }

  /** A string that must be one of `allowed`; `fallback` when absent or null. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const value = this.optionalString(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
    throw this.invalid(key, `one of ${allowed.join(', ')}`);
  }

  optionalInteger(key: string): number | undefined {
    const node = this.entries.get(key);
    if (node === undefined) return undefined;
    // A quoted number is accepted too: hand-edited or legacy files should not make a run unreadable.
    if (node.kind === 'scalar') {
      if (!node.quoted && NULL_WORDS.test(node.text)) return undefined;
      if (/^[-+]?(?:0|[1-9][0-9_]*)$/.test(node.text)) {
        const value = Number(node.text.replace(/_/g, ''));
        if (Number.isSafeInteger(value)) return value;
      }
    }
    throw this.invalid(key, 'an integer');
  }

  integer(key: string): number {
    const value = this.optionalInteger(key);
    if (value === undefined) throw this.invalid(key, 'an integer');
    return value;
  }
}

// The simple shapes the fast path reads (see parseSimpleMetaYaml). A plain scalar: printable
// ASCII, not starting with an indicator or a space (a '-' only before a digit), no '#', no ': ',
// not ending in ':' or a space.
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SIMPLE_PLAIN = /^(?:[A-Za-z0-9_./~()=+$^\\;<]|-(?=[0-9]))[\x20-\x22\x24-\x7e]*$/;
const SIMPLE_QUOTED = /^'((?:[^'\x00-\x1f\x7f-\x9f]|'')*)'$/;
const SIMPLE_LINE = /^( {2})?([^ :]+):(?: (.*))?$/;

function simpleValue(text: string): YamlNode | undefined {
  if (text === '[]') return { kind: 'list', items: [] };
  if (text === '{}') return { kind: 'map', entries: new Map() };
  if (SIMPLE_PLAIN.test(text) && !text.endsWith(':') && !text.endsWith(' ') && !text.includes(': ')) return { kind: 'scalar', text, quoted: false };
  const quoted = SIMPLE_QUOTED.exec(text);
  return quoted ? { kind: 'scalar', text: quoted[1]!.replace(/''/g, "'"), quoted: true } : undefined;
}

/**
 * The meta.yaml files MLflow and we write are almost always a few `key: value` lines, with at
 * most one level of `  key: value` below a key (a registered model's aliases). Those are read
 * here without the YAML library, whose first parse in a process costs ~50 ms of cold code on a
 * model lookup (issue 18: batch scoring's first batch). Anything else — lists, folded or
 * double-quoted strings, comments, duplicate keys, other indentation — gives undefined, and the
 * library reads it. Returns what the library's parse gives (failsafe schema, through toNode).
 */
export function parseSimpleMetaYaml(text: string): Map<string, YamlNode> | undefined {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return undefined;
  const root = new Map<string, YamlNode>();
  let nested: Map<string, YamlNode> | undefined;
  for (let index = 0; index < lines.length; index++) {
    const match = SIMPLE_LINE.exec(lines[index]!);
    if (match === null) return undefined;
    const [, indent, key, value] = match;
    if (!SIMPLE_KEY.test(key!)) return undefined;
    if (indent !== undefined) {
      // A nested entry: only right below `key:` (or another nested entry), with a value of its own.
      if (nested === undefined || value === undefined || nested.has(key!)) return undefined;
      const node = simpleValue(value);
      if (node === undefined) return undefined;
      nested.set(key!, node);
      continue;
    }
    if (root.has(key!)) return undefined;
    nested = undefined;
    if (value === undefined) {
      // `key:` alone: a mapping when indented entries follow, else empty (null).
      if (lines[index + 1]?.startsWith('  ')) {
        nested = new Map();
        root.set(key!, { kind: 'map', entries: nested });
      } else root.set(key!, { kind: 'scalar', text: '', quoted: false });
      continue;
    }
    const node = simpleValue(value);
    if (node === undefined) return undefined;
    root.set(key!, node);
  }
  return root;
}

/** Parses a meta.yaml; anything that is not a mapping of keys is CORRUPT, naming `file`. */
export function parseMetaYaml(text: string, file: string): MetaDoc {
  return new MetaDoc(file, parseSimpleMetaYaml(text) ?? parseMetaYamlEntries(text, file));
}

/** A meta.yaml's top-level entries, read by the YAML library (any YAML); CORRUPT, naming `file`, unless a mapping of keys. */
export function parseMetaYamlEntries(text: string, file: string): Map<string, YamlNode> {
  const fail = (found: string, cause?: unknown): MlopsError =>
    new MlopsError('CORRUPT', `${file}: expected a YAML mapping as MLflow writes it, found ${found}`, {
      details: { file },
      ...(cause === undefined ? {} : { cause }),
    });
  let doc;
  try {
    doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true });
  } catch (error) {
    throw fail('text that is not YAML', error);
  }
  if (doc.errors.length > 0) throw fail(`invalid YAML (${doc.errors[0]!.message.split('\n')[0]})`, doc.errors[0]);
  if (doc.contents === null) throw fail('an empty file');
  let root: YamlNode;
  try {
    root = toNode(doc.contents as YamlLibNode);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : 'an unsupported document', error);
  }
  if (root.kind !== 'map') throw fail(root.kind === 'list' ? 'a list' : `the scalar ${JSON.stringify(root.text)}`);
  return root.entries;
}
