/**
 * A fast reader for the plain subset of YAML that configuration files (mlops.yml) are written
 * in: block maps and sequences indented with spaces, one-line flow maps and sequences,
 * plain, single- and double-quoted one-line scalars, comments. It gives exactly what the `yaml`
 * package's `parseDocument(text).toJS()` gives (YAML 1.2, core schema) for such a document, and
 * `undefined` — "not sure" — for anything else, so callers fall back to the `yaml` package, which
 * also reports every error. It never guesses: tabs, anchors, aliases, tags, block scalars,
 * multi-line scalars or flow collections, explicit keys, directives, duplicate keys, non-string
 * keys and scalars whose type the core schema decides in a way not handled here (1e3, 0x1f, .inf,
 * 007, …) all answer `undefined`.
 *
 * Why: the `yaml` package parses through generator-based lexer, parser and composer stages that
 * run cold in a short-lived process — ~0.1 s for the 12 KB mlops.yml in `mlops run` (measured
 * here), more than the rest of loading and checking the config. This reader takes a few ms.
 */

/** Thrown inside the reader when the text leaves the subset; caught by parseYamlSubset. */
class OutsideSubset extends Error {}

const outside = (): never => {
  throw new OutsideSubset();
};

interface Line {
  indent: number;
  /** The line without its indentation; never empty, never a comment-only line. */
  content: string;
  /** Its index among all the text's lines. */
  row: number;
}

/** The document as plain data, or undefined when the text is not in the subset (use the `yaml` package). */
export function parseYamlSubset(text: string): { value: unknown } | undefined {
  if (text.includes('\t') || text.includes('\r')) return undefined;
  const rows = text.split('\n');
  const lines: Line[] = [];
  for (let row = 0; row < rows.length; row++) {
    const raw = rows[row]!;
    const content = raw.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    // Directives, document markers and byte-order marks: the `yaml` package handles those.
    if (raw.startsWith('%') || raw.startsWith('---') || raw.startsWith('...') || raw.charCodeAt(0) === 0xfeff) return undefined;
    lines.push({ indent: raw.length - content.length, content, row });
  }
  if (lines.length === 0) return undefined;
  try {
    const reader = new Reader(rows, lines);
    const value = reader.node(lines[0]!.indent);
    if (!reader.done()) return undefined;
    return { value };
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
}

class Reader {
  readonly #rows: string[];
  readonly #lines: Line[];
  #at = 0;

  constructor(rows: string[], lines: Line[]) {
    this.#rows = rows;
    this.#lines = lines;
  }

  done(): boolean {
    return this.#at === this.#lines.length;
  }

  /** The block node whose first line is the current one, at exactly `indent`. */
  node(indent: number): unknown {
    const line = this.#lines[this.#at]!;
    if (line.indent !== indent) outside();
    if (isSequenceItem(line.content)) return this.#sequence(indent);
    if (keyEnd(line.content) !== undefined) return this.#map(indent);
    // A lone scalar or flow collection as the whole node.
    this.#at += 1;
    return inlineValue(line.content);
  }

  #map(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    while (this.#at < this.#lines.length) {
      const line = this.#lines[this.#at]!;
      if (line.indent < indent) break;
      if (line.indent > indent) outside();
      const end = keyEnd(line.content);
      if (end === undefined) outside();
      const key = mapKey(line.content.slice(0, end!));
      if (Object.prototype.hasOwnProperty.call(map, key)) outside();
      const rest = line.content.slice(end! + 1).trimStart();
      this.#at += 1;
      map[key] = rest === '' || rest.startsWith('#') ? this.#nested(indent, true) : this.#inline(rest, indent);
    }
    return map;
  }

  #sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    while (this.#at < this.#lines.length) {
      const line = this.#lines[this.#at]!;
      if (line.indent < indent) break;
      if (line.indent > indent) outside();
      // The next key of the map this sequence is the value of (both at the map's indentation).
      if (!isSequenceItem(line.content)) break;
      const rest = line.content.slice(1).trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.#at += 1;
        items.push(this.#nested(indent, false));
      } else if (isSequenceItem(rest) || keyEnd(rest) !== undefined) {
        // "- key: value" (or "- - item"): a block node that starts on the item's line, indented to where it starts.
        const column = indent + (line.content.length - rest.length);
        this.#lines[this.#at] = { indent: column, content: rest, row: line.row };
        items.push(this.node(column));
      } else {
        this.#at += 1;
        items.push(this.#inline(rest, indent));
      }
    }
    return items;
  }

  /** The value of a key or item whose line ends after the indicator: a more indented block, or null. */
  #nested(indent: number, inMap: boolean): unknown {
    const next = this.#lines[this.#at];
    if (next === undefined || next.indent < indent) return null;
    if (next.indent > indent) return this.node(next.indent);
    // A map's value may be a sequence at the map's own indentation ("key:" then "- item").
    if (inMap && isSequenceItem(next.content)) return this.#sequence(indent);
    return null;
  }

  /**
   * A value that starts on the key's (or item's) line, the line before the current one. Only a
   * quoted scalar may go on over the following lines; otherwise a more indented line after it
   * would continue it: not in the subset.
   */
  #inline(text: string, indent: number): unknown {
    const first = text[0];
    if ((first === '"' || first === "'") && quotedEnd(text, 0) === undefined) return this.#multilineQuoted(text, indent);
    const value = inlineValue(text);
    const next = this.#lines[this.#at];
    if (next !== undefined && next.indent > indent) outside();
    return value;
  }

  /**
   * A quoted scalar over several lines, folded as YAML folds flow scalars: each line break
   * between text becomes a space, each empty line a newline, and the white space around line
   * breaks is dropped. Every continuation line must be indented more than `indent`.
   */
  #multilineQuoted(text: string, indent: number): unknown {
    const quote = text[0]!;
    const startRow = this.#lines[this.#at - 1]!.row;
    const parts = [text.slice(1)];
    let row = startRow + 1;
    let closing: { value: string; end: number } | undefined;
    let lastLine = '';
    for (; row < this.#rows.length; row++) {
      const raw = this.#rows[row]!;
      const content = raw.trimStart();
      if (content !== '' && raw.length - content.length <= indent) outside();
      // A quote opening a scalar that closes on this line: what follows the close.
      const probe = quote + content;
      const close = quotedEnd(probe, 0);
      if (close !== undefined) {
        parts.push(content.slice(0, close - 1));
        closing = { value: '', end: close + 1 };
        lastLine = probe;
        break;
      }
      parts.push(content);
    }
    if (closing === undefined) outside();
    // What follows the closing quote: nothing, or a comment.
    const rest = lastLine.slice(closing!.end).trimStart();
    if (rest !== '' && !(rest.startsWith('#') && lastLine[closing!.end] === ' ')) outside();
    // A line ending in a backslash (an escaped line break) or a space-escape: the `yaml` package's.
    if (quote === '"' && parts.some((part) => /\\ *$/.test(part))) outside();
    let folded = parts[0]!.trimEnd();
    let emptyLines = 0;
    for (let i = 1; i < parts.length; i++) {
      const part = i === parts.length - 1 ? parts[i]!.trimStart() : parts[i]!.trim();
      if (part === '' && i < parts.length - 1) {
        emptyLines += 1;
        continue;
      }
      folded += emptyLines > 0 ? '\n'.repeat(emptyLines) : ' ';
      folded += part;
      emptyLines = 0;
    }
    const value = quote === "'" ? folded.replaceAll("''", "'") : unescapeDouble(folded);
    while (this.#at < this.#lines.length && this.#lines[this.#at]!.row <= row) this.#at += 1;
    const next = this.#lines[this.#at];
    if (next !== undefined && next.indent > indent) outside();
    return value;
  }
}

function isSequenceItem(content: string): boolean {
  return content === '-' || content.startsWith('- ');
}

/** Where the key of "key: value" (or "key:") ends, or undefined when the line is not a map entry. */
function keyEnd(content: string): number | undefined {
  const first = content[0]!;
  if (first === '{' || first === '[') return undefined;
  if (first === '"' || first === "'") {
    const close = quotedEnd(content, 0);
    if (close === undefined) return undefined;
    return content[close + 1] === ':' && (close + 2 === content.length || content[close + 2] === ' ') ? close + 1 : undefined;
  }
  for (let i = 0; i < content.length; i++) {
    const char = content[i];
    if (char === '#' && i > 0 && content[i - 1] === ' ') return undefined;
    if (char === ':' && (i + 1 === content.length || content[i + 1] === ' ')) return i;
  }
  return undefined;
}

/** A key as the `yaml` package puts it into a JS object; only keys that are strings to YAML. */
function mapKey(text: string): string {
  const key = text.trimEnd();
  if (key === '') outside();
  if (key[0] === '"' || key[0] === "'") return quoted(key, 0).value;
  const value = plainScalar(key);
  if (typeof value !== 'string' || key === '__proto__' || key === '<<') outside();
  return value as string;
}

/** A complete value on one line: a flow collection, a quoted or a plain scalar, then at most a comment. */
function inlineValue(text: string): unknown {
  const first = text[0]!;
  let value: unknown;
  let end: number;
  if (first === '{' || first === '[') {
    ({ value, end } = flow(text, 0));
  } else if (first === '"' || first === "'") {
    ({ value, end } = quoted(text, 0));
  } else {
    const comment = text.indexOf(' #');
    const plain = (comment === -1 ? text : text.slice(0, comment)).trimEnd();
    // ": " inside a block plain scalar, or a trailing ":", is a mapping error or a nested map: not ours.
    if (plain.includes(': ') || plain.endsWith(':')) outside();
    return plainScalar(plain);
  }
  const rest = text.slice(end).trimStart();
  if (rest !== '' && !(rest.startsWith('#') && text[end] === ' ')) outside();
  return value;
}

/** A one-line flow map or sequence starting at text[start]; nested ones too. */
function flow(text: string, start: number): { value: unknown; end: number } {
  const isMap = text[start] === '{';
  const close = isMap ? '}' : ']';
  const map: Record<string, unknown> = {};
  const items: unknown[] = [];
  let i = skipSpaces(text, start + 1);
  if (text[i] === close) return { value: isMap ? map : items, end: i + 1 };
  for (;;) {
    if (isMap) {
      let key: string;
      if (text[i] === '"' || text[i] === "'") {
        const q = quoted(text, i);
        key = q.value;
        i = q.end;
        if (text[i] !== ':') outside();
      } else {
        const colon = text.indexOf(':', i);
        if (colon === -1) outside();
        const raw = text.slice(i, colon);
        if (/[,[\]{}#]/.test(raw)) outside();
        key = mapKey(raw);
        i = colon;
      }
      if (text[i + 1] !== ' ') outside();
      if (Object.prototype.hasOwnProperty.call(map, key)) outside();
      const entry = flowValue(text, skipSpaces(text, i + 1));
      map[key] = entry.value;
      i = entry.end;
    } else {
      const entry = flowValue(text, i);
      items.push(entry.value);
      i = entry.end;
    }
    i = skipSpaces(text, i);
    if (text[i] === close) return { value: isMap ? map : items, end: i + 1 };
    if (text[i] !== ',') outside();
    i = skipSpaces(text, i + 1);
    // A trailing comma, or a line that ends inside the collection: the `yaml` package's.
    if (text[i] === close || i >= text.length) outside();
  }
}

function flowValue(text: string, start: number): { value: unknown; end: number } {
  const first = text[start];
  if (first === undefined) outside();
  if (first === '{' || first === '[') return flow(text, start);
  if (first === '"' || first === "'") return quoted(text, start);
  let end = start;
  while (end < text.length && !',[]{}'.includes(text[end]!) && !(text[end] === ':' && text[end + 1] === ' ') && !(text[end] === '#' && text[end - 1] === ' ')) end += 1;
  if (end < text.length && (text[end] === ':' || text[end] === '#' || text[end] === '[' || text[end] === '{')) outside();
  const plain = text.slice(start, end).trimEnd();
  // In a flow collection a ":" before a flow indicator (or at the end) is an indicator, not text.
  if (plain === '' || plain.endsWith(':')) outside();
  return { value: plainScalar(plain), end };
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (text[i] === ' ') i += 1;
  return i;
}

/** Index of the closing quote of the quoted scalar opening at text[start], or undefined. */
function quotedEnd(text: string, start: number): number | undefined {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i += 1;
      continue;
    }
    if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 1;
        continue;
      }
      return i;
    }
  }
  return undefined;
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };

/** The quoted scalar opening at text[start] (it must close on this line) and the index after it. */
function quoted(text: string, start: number): { value: string; end: number } {
  const close = quotedEnd(text, start);
  if (close === undefined) outside();
  const body = text.slice(start + 1, close);
  if (text[start] === "'") return { value: body.replaceAll("''", "'"), end: close! + 1 };
  return { value: unescapeDouble(body), end: close! + 1 };
}

function unescapeDouble(body: string): string {
  let value = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      value += body[i];
      continue;
    }
    const escaped = ESCAPES[body[i + 1]!];
    if (escaped === undefined) outside();
    value += escaped;
    i += 1;
  }
  return value;
}

/** The core schema's number forms, as the `yaml` package tests for them (yaml/dist/schema/core). */
const CORE_NUMBER = [
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
];

/**
 * A plain scalar as the core schema reads it, for the forms handled here: null, booleans,
 * decimal integers and fractions, and strings that cannot be read as anything else.
 */
function plainScalar(text: string): unknown {
  if (text === '') outside();
  const first = text[0]!;
  // Indicators that start anchors, aliases, tags, block scalars, explicit keys, reserved characters.
  if ('&*!|>%@`?,[]{}#'.includes(first) || (first === '-' && (text.length === 1 || text[1] === ' ')) || (first === ':' && text[1] === ' ')) outside();
  switch (text) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(text)) return Number(text);
  if (/^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/.test(text)) return Number(text);
  // Every other form the core schema reads as a number (the `yaml` package's own tests: 1e3,
  // 0x1f, 0o17, +1, 007, .5, 1., .inf, .nan): the `yaml` package's. Anything else is a string.
  if (CORE_NUMBER.some((pattern) => pattern.test(text))) outside();
  return text;
}
