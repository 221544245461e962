import { MlopsError } from '../../errors.js';
import type { AllowedGlobal, AllowList } from './allow-list.js';
import { describePickleValue, type PickleValue } from './values.js';

/**
 * The few Python builtins that plain data needs below protocol 5 — all of them pure
 * constructors of data, none with side effects:
 * - protocol 2 writes non-empty `bytes` as `_codecs.encode(text, "latin1")` and empty ones as `bytes()`;
 * - protocols 2–4 write `bytearray` as `bytearray(bytes)`, and 2–3 write sets as `set([items])`;
 * - `collections.OrderedDict()` is an empty dict that SETITEMS fills.
 */
export const PYTHON_BUILTINS_ALLOW_LIST: AllowList = new Map<string, AllowedGlobal>([
  [
    '_codecs encode',
    {
      call(args, where) {
        const [text, encoding] = args;
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
          throw new MlopsError('INVALID_ARGUMENT', `${where}: _codecs.encode is allowed only as (str, "latin1") for bytes, found (${args.map((a) => describePickleValue(a)).join(', ')})`);
        }
        return latin1Bytes(text, where);
      },
    },
  ],
  ['builtins bytes', { call: (args, where) => bytesFrom(args, where, 'bytes') }],
  ['builtins bytearray', { call: (args, where) => bytesFrom(args, where, 'bytearray') }],
  ['builtins set', { call: (args, where) => new Set(iterable(args[0], where, 'set')) }],
  ['builtins frozenset', { call: (args, where) => new Set(iterable(args[0], where, 'frozenset')) }],
  ['collections OrderedDict', { call: (args, where) => new Map(args.length === 0 ? [] : pairs(args[0], where)) }],
]);

function latin1Bytes(text: string, where: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new MlopsError('CORRUPT', `${where}: a latin1 byte string holds the character U+${code.toString(16)}`);
    bytes[i] = code;
  }
  return bytes;
}

function bytesFrom(args: readonly PickleValue[], where: string, what: string): Uint8Array {
  const [value, encoding] = args;
  if (value === undefined) return new Uint8Array(0);
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (typeof value === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) return latin1Bytes(value, where);
  throw new MlopsError('INVALID_ARGUMENT', `${where}: ${what}() is allowed only on bytes or (str, "latin1"), found ${describePickleValue(value)}`);
}

function iterable(value: PickleValue | undefined, where: string, what: string): PickleValue[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return [...value];
  throw new MlopsError('INVALID_ARGUMENT', `${where}: ${what}() is allowed only on a list or tuple, found ${describePickleValue(value)}`);
}

function pairs(value: PickleValue | undefined, where: string): [PickleValue, PickleValue][] {
  return iterable(value, where, 'OrderedDict').map((item) => {
    if (!Array.isArray(item) || item.length !== 2) throw new MlopsError('CORRUPT', `${where}: OrderedDict items must be pairs, found ${describePickleValue(item)}`);
    return [item[0], item[1]] as [PickleValue, PickleValue];
  });
}
