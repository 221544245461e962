/**
 * MLmodel files as MLflow (PyYAML's safe_dump) and stringifyMLmodel write them — nested `key:`
 * mappings indented by two spaces, plain or single-quoted scalars, the signature's JSON strings
 * single-quoted and folded over several lines — read without the YAML library. Its first parse
 * in a process costs ~20–25 ms of cold code, on the path of batch scoring's first batch (issue 18).
 *
 * The result is what `YAML.parse` (YAML 1.2, core schema) gives for such a file. Anything outside
 * that shape gives undefined, and the caller parses with the library: lists, flow collections,
 * block scalars, double quotes, comments, anchors, tags, tabs, blank lines, duplicate keys, and
 * plain scalars the core schema would not read as a string, a decimal integer, null or a boolean
 * (floats, `~`, `.inf`, hex or octal integers, `True`, …).
 */

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** A plain scalar safe to take as written: no indicator first, no `: ` or ` #` inside, printable ASCII. */
const PLAIN = /^[A-Za-z0-9_./()=+$^\\;<-][\x20-\x7e]*$/;
/** What the core schema reads as something other than a string, beyond the cases handled below. */
const CORE_NOT_STRING = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const LINE = /^( *)([^ :]+):(?: (.*))?$/;

type Mapping = Record<string, unknown>;

export function parseSimpleMLmodel(text: string): Mapping | undefined {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return undefined;
  const root: Mapping = {};
  // The open mappings, innermost last, with the indentation of their entries.
  const open: { mapping: Mapping; indent: number }[] = [{ mapping: root, indent: 0 }];
  for (let index = 0; index < lines.length; index++) {
    const match = LINE.exec(lines[index]!);
    if (match === null) return undefined;
    const indent = match[1]!.length;
    const key = match[2]!;
    const value = match[3];
    if (!KEY.test(key) || key === '__proto__' || CORE_NOT_STRING.test(key)) return undefined;
    // An entry closes every mapping indented deeper than itself; it must sit at an open mapping's indentation.
    while (open.length > 1 && open.at(-1)!.indent > indent) open.pop();
    const { mapping, indent: expected } = open.at(-1)!;
    if (indent !== expected || Object.hasOwn(mapping, key)) return undefined;
    if (value === undefined || value === '') {
      // `key:` alone: a mapping when entries indented by two more follow, else null.
      const next = LINE.exec(lines[index + 1] ?? '');
      if (next !== null && next[1]!.length > indent) {
        if (next[1]!.length !== indent + 2) return undefined;
        const child: Mapping = {};
        mapping[key] = child;
        open.push({ mapping: child, indent: indent + 2 });
      } else mapping[key] = null;
      continue;
    }
    if (value.startsWith("'")) {
      // Single-quoted, possibly folded over the following lines (each indented deeper than the key).
      let raw = value.slice(1);
      let closed = closingQuote(raw);
      while (closed === undefined) {
        const continuation = lines[index + 1];
        if (continuation === undefined || !continuation.startsWith(' '.repeat(indent + 1))) return undefined;
        const trimmed = continuation.trim();
        if (trimmed === '' || raw.trim() === '' || continuation.includes('\t')) return undefined;
        // A line break between two non-empty lines folds into one space; the spaces around it go.
        raw = `${raw.trimEnd()} ${trimmed}`;
        index++;
        closed = closingQuote(raw);
      }
      if (closed === false) return undefined;
      mapping[key] = raw.slice(0, -1).replace(/''/g, "'");
      continue;
    }
    const scalar = plainScalar(value);
    if (scalar === undefined) return undefined;
    mapping[key] = scalar.value;
  }
  return root;
}

/**
 * Of the text after an opening quote: true when it ends with the closing quote (`''` is a quote
 * inside), undefined when the scalar goes on, false when something follows the closing quote or
 * the text has characters this reader leaves to the library.
 */
function closingQuote(raw: string): boolean | undefined {
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
    if (code !== 0x27) continue;
    if (raw.charCodeAt(i + 1) === 0x27) {
      i++;
      continue;
    }
    return i === raw.length - 1;
  }
  return undefined;
}

function plainScalar(text: string): { value: unknown } | undefined {
  if (!PLAIN.test(text) || text === '-' || text.startsWith('- ') || text.endsWith(' ') || text.includes(': ') || text.includes(' #') || text.endsWith(':')) return undefined;
  if (text === 'null') return { value: null };
  if (text === 'true') return { value: true };
  if (text === 'false') return { value: false };
  // Decimal integers short enough to be read exactly either way.
  if (/^(?:0|-?[1-9][0-9]{0,14})$/.test(text)) return { value: Number(text) };
  if (CORE_NOT_STRING.test(text)) return undefined;
  return { value: text };
}
