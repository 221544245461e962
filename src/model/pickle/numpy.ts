import { MlopsError } from '../../errors.js';
import type { AllowedGlobal, AllowList } from './allow-list.js';
import { PickleGlobal, PyObject, describePickleValue, isTuple, type PickleObject, type PickleValue } from './values.js';
import { latin1String } from '../../arrays.js';

/** The element kinds we decode: float, signed and unsigned int, bool, unicode, bytes, object. */
export type DtypeKind = 'f' | 'i' | 'u' | 'b' | 'U' | 'S' | 'O';

const NUMPY_DTYPE = 'numpy dtype';
const NUMPY_NDARRAY = 'numpy ndarray';

/**
 * `numpy.dtype(typestr, align, copy)`, then BUILD with its state tuple
 * `(version, byteorder, subdescr, names, fields, elsize, alignment, flags)`.
 * Structured, datetime and complex dtypes are refused: no scikit-learn model we import needs them.
 */
export class NumpyDtype implements PickleObject {
  readonly pickleClass = NUMPY_DTYPE;
  readonly kind: DtypeKind;
  /** Bytes per element (for U: 4 per character). */
  itemSize: number;
  littleEndian = true;

  constructor(
    readonly typestr: string,
    where: string,
  ) {
    const match = /^([<>=|]?)([fiubUSO])(\d*)$/.exec(typestr);
    if (!match) {
      throw new MlopsError('INVALID_ARGUMENT', `${where}: numpy dtype "${typestr}" is not supported (supported: float, int, uint, bool, str, bytes, object)`, {
        details: { dtype: typestr },
      });
    }
    const [, order, kind, digits] = match as unknown as [string, string, DtypeKind, string];
    this.kind = kind;
    const count = digits === '' ? defaultSize(kind) : Number(digits);
    this.itemSize = kind === 'U' ? count * 4 : count;
    if (order === '>') this.littleEndian = false;
    const sizes: Partial<Record<DtypeKind, number[]>> = { f: [4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1], O: [8, 4] };
    const allowed = sizes[kind];
    if (allowed !== undefined && !allowed.includes(this.itemSize)) {
      throw new MlopsError('INVALID_ARGUMENT', `${where}: numpy dtype "${typestr}" has an item size this reader does not decode`, { details: { dtype: typestr } });
    }
  }

  setState(state: PickleValue, where: string): void {
    if (!isTuple(state) || state.length < 5) {
      throw new MlopsError('CORRUPT', `${where}: numpy dtype state must be a tuple of at least 5 items, found ${describePickleValue(state)}`);
    }
    const order = state[1];
    if (order === '>') this.littleEndian = false;
    else if (order === '<' || order === '=' || order === '|') this.littleEndian = true;
    else throw new MlopsError('CORRUPT', `${where}: numpy dtype byte order must be one of < > = |, found ${describePickleValue(order)}`);
    // names and fields: a structured dtype, whose elements are records.
    if (state[3] !== null || state[4] !== null) {
      throw new MlopsError('INVALID_ARGUMENT', `${where}: structured numpy dtypes (with named fields) are not supported`);
    }
    const elsize = state[5];
    if ((this.kind === 'U' || this.kind === 'S') && typeof elsize === 'number' && elsize > 0) this.itemSize = elsize;
  }

  /** numpy's own spelling, e.g. "<f8", "<U10". */
  get str(): string {
    const order = this.kind === 'b' || this.kind === 'O' || this.itemSize === 1 ? '|' : this.littleEndian ? '<' : '>';
    return `${order}${this.kind}${this.kind === 'U' ? this.itemSize / 4 : this.itemSize}`;
  }
}

function defaultSize(kind: DtypeKind): number {
  return kind === 'f' || kind === 'i' || kind === 'u' || kind === 'O' ? 8 : kind === 'b' ? 1 : 0;
}

/** The elements of an array, in C (row-major) order. Int64 values beyond ±2⁵³ stay bigint. */
export type NdArrayData = Float64Array | Int32Array | Uint32Array | Uint8Array | (number | bigint)[] | boolean[] | string[] | PickleValue[];

/**
 * A numpy ndarray, decoded into a JavaScript array in C order whatever order it was stored in.
 * Made by `_reconstruct` + BUILD (protocols 2–4, and 5 for non-contiguous arrays) or by
 * `_frombuffer` (protocol 5).
 */
export class NdArray implements PickleObject {
  readonly pickleClass = NUMPY_NDARRAY;
  shape: number[] = [0];
  dtype: NumpyDtype | undefined;
  data: NdArrayData = [];

  get size(): number {
    return this.shape.reduce((total, dim) => total * dim, 1);
  }

  /** BUILD after `_reconstruct`: `(version, shape, dtype, is_fortran_order, raw data)`. */
  setState(state: PickleValue, where: string): void {
    if (!isTuple(state) || state.length !== 5) {
      throw new MlopsError('CORRUPT', `${where}: ndarray state must be a 5-tuple (version, shape, dtype, fortran, data), found ${describePickleValue(state)}`);
    }
    const [, shape, dtype, fortran, raw] = state;
    if (!(dtype instanceof NumpyDtype)) throw new MlopsError('CORRUPT', `${where}: ndarray state has no dtype, found ${describePickleValue(dtype)}`);
    this.fill(readShape(shape, where), dtype, fortran === true, raw, where);
  }

  fill(shape: number[], dtype: NumpyDtype, fortranOrder: boolean, raw: PickleValue | undefined, where: string): void {
    this.shape = shape;
    this.dtype = dtype;
    const count = this.size;
    if (dtype.kind === 'O') {
      // Object arrays store their elements as a list of pickled values, not as bytes.
      if (!Array.isArray(raw) || raw.length !== count) {
        throw new MlopsError('CORRUPT', `${where}: object ndarray of shape (${shape.join(', ')}) needs a list of ${count} items, found ${describePickleValue(raw)}`);
      }
      this.data = fortranOrder ? toCOrder([...raw], shape) : [...raw];
      return;
    }
    if (!(raw instanceof Uint8Array)) {
      throw new MlopsError('CORRUPT', `${where}: ndarray data must be bytes, found ${describePickleValue(raw)}`);
    }
    if (dtype.itemSize === 0 && count > MAX_EMPTY_ITEMS) {
      // Zero-width items (<U0, |S0) take no bytes, so the shape alone could ask for billions.
      throw new MlopsError('INVALID_ARGUMENT', `${where}: ndarray of shape (${shape.join(', ')}) and dtype ${dtype.str} declares ${count} empty items; at most ${MAX_EMPTY_ITEMS} are accepted`, {
        details: { limit: 'ndarray empty items', max: MAX_EMPTY_ITEMS, found: count },
      });
    }
    const expected = count * dtype.itemSize;
    if (raw.byteLength !== expected) {
      throw new MlopsError('CORRUPT', `${where}: ndarray of shape (${shape.join(', ')}) and dtype ${dtype.str} needs ${expected} bytes, found ${raw.byteLength}`, {
        details: { expected, found: raw.byteLength },
      });
    }
    const values = decodeElements(raw, dtype, count);
    this.data = fortranOrder && shape.length > 1 ? toCOrder(values, shape) : values;
  }
}

/** Items of a zero-width dtype an array may declare (they are not backed by bytes). */
const MAX_EMPTY_ITEMS = 65_536;

/** Decodes `count` elements of `dtype` from raw bytes, honouring the byte order. */
export function decodeElements(raw: Uint8Array, dtype: NumpyDtype, count: number): NdArrayData {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const little = dtype.littleEndian;
  const size = dtype.itemSize;
  switch (dtype.kind) {
    case 'f': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = size === 8 ? view.getFloat64(i * 8, little) : view.getFloat32(i * 4, little);
      return out;
    }
    case 'i':
    case 'u': {
      if (size === 8) {
        const out: (number | bigint)[] = new Array(count);
        for (let i = 0; i < count; i++) {
          const value = dtype.kind === 'i' ? view.getBigInt64(i * 8, little) : view.getBigUint64(i * 8, little);
          out[i] = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
        }
        return out;
      }
      const out = dtype.kind === 'i' ? new Int32Array(count) : new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        const at = i * size;
        out[i] =
          size === 4
            ? dtype.kind === 'i' ? view.getInt32(at, little) : view.getUint32(at, little)
            : size === 2
              ? dtype.kind === 'i' ? view.getInt16(at, little) : view.getUint16(at, little)
              : dtype.kind === 'i' ? view.getInt8(at) : view.getUint8(at);
      }
      return out;
    }
    case 'b':
      return Array.from(raw.subarray(0, count), (byte) => byte !== 0);
    case 'U': {
      const chars = size / 4;
      const out: string[] = new Array(count);
      for (let i = 0; i < count; i++) {
        let text = '';
        for (let c = 0; c < chars; c++) {
          const point = view.getUint32(i * size + c * 4, little);
          if (point === 0) break; // numpy pads with NULs; a NUL ends the string
          text += String.fromCodePoint(point);
        }
        out[i] = text;
      }
      return out;
    }
    case 'S': {
      const out: string[] = new Array(count);
      for (let i = 0; i < count; i++) {
        let bytes = raw.subarray(i * size, (i + 1) * size);
        const end = bytes.indexOf(0);
        if (end >= 0) bytes = bytes.subarray(0, end);
        out[i] = latin1String(bytes);
      }
      return out;
    }
    case 'O':
      throw new MlopsError('CORRUPT', 'object arrays have no raw bytes to decode');
  }
}

/** Reorders Fortran-order (column-major) elements into C order. */
function toCOrder<T>(values: ArrayLike<T>, shape: number[]): T[] {
  const count = values.length;
  const out = new Array<T>(count);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  // Walk the elements in Fortran order, computing each one's C-order position.
  for (let f = 0; f < count; f++) {
    let c = 0;
    for (let axis = 0; axis < rank; axis++) c = c * shape[axis]! + index[axis]!;
    out[c] = values[f]!;
    for (let axis = 0; axis < rank; axis++) {
      index[axis]! += 1;
      if (index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return out;
}

function readShape(value: PickleValue | undefined, where: string): number[] {
  if (!Array.isArray(value) || !value.every((dim) => typeof dim === 'number' && Number.isInteger(dim) && dim >= 0)) {
    throw new MlopsError('CORRUPT', `${where}: ndarray shape must be a tuple of non-negative ints, found ${describePickleValue(value)}`);
  }
  return [...(value as number[])];
}

function requireDtype(value: PickleValue | undefined, where: string): NumpyDtype {
  if (!(value instanceof NumpyDtype)) throw new MlopsError('CORRUPT', `${where}: expected a numpy dtype, found ${describePickleValue(value)}`);
  return value;
}

const dtypeGlobal: AllowedGlobal = {
  // numpy.dtype(typestr, align, copy)
  call(args, where) {
    const [typestr] = args;
    if (typeof typestr !== 'string') throw new MlopsError('CORRUPT', `${where}: numpy.dtype needs a type string, found ${describePickleValue(typestr)}`);
    return new NumpyDtype(typestr, where);
  },
};

const ndarrayGlobal: AllowedGlobal = {
  // Only ever an argument of _reconstruct; calling it directly is not something pickle does.
};

const reconstruct: AllowedGlobal = {
  // _reconstruct(numpy.ndarray, (0,), b'b'): an empty array that BUILD fills.
  call(args, where) {
    const [subtype] = args;
    if (!(subtype instanceof PickleGlobal) || subtype.qualifiedName !== NUMPY_NDARRAY) {
      throw new MlopsError('INVALID_ARGUMENT', `${where}: _reconstruct builds only numpy.ndarray, found ${describePickleValue(subtype)}`);
    }
    return new NdArray();
  },
};

const frombuffer: AllowedGlobal = {
  // _frombuffer(buffer, dtype, shape, order): protocol 5's form for contiguous arrays.
  call(args, where) {
    const [buffer, dtypeValue, shapeValue, order] = args;
    if (!(buffer instanceof Uint8Array)) throw new MlopsError('CORRUPT', `${where}: _frombuffer needs a buffer, found ${describePickleValue(buffer)}`);
    if (order !== 'C' && order !== 'F') throw new MlopsError('CORRUPT', `${where}: _frombuffer order must be "C" or "F", found ${describePickleValue(order)}`);
    const array = new NdArray();
    array.fill(readShape(shapeValue, where), requireDtype(dtypeValue, where), order === 'F', buffer, where);
    return array;
  },
};

const scalar: AllowedGlobal = {
  // scalar(dtype, raw bytes) for numeric scalars; scalar(dtype, obj) for object scalars.
  call(args, where) {
    const dtype = requireDtype(args[0], where);
    const raw = args[1];
    if (dtype.kind === 'O') return raw ?? null;
    if (!(raw instanceof Uint8Array)) throw new MlopsError('CORRUPT', `${where}: numpy scalar needs raw bytes, found ${describePickleValue(raw)}`);
    const array = new NdArray();
    array.fill([], dtype, false, raw, where);
    return array.data[0] as PickleValue;
  },
};

/** RandomState and its bit generator: kept as opaque records (prediction never needs them). */
const randomStateCtor: AllowedGlobal = {
  call(_args) {
    return new PyObject('numpy.random.mtrand RandomState');
  },
};

/**
 * The numpy globals that pickled arrays, dtypes and scalars use, under numpy 1.x names
 * (numpy.core) and numpy 2.x names (numpy._core).
 */
export const NUMPY_ALLOW_LIST: AllowList = new Map<string, AllowedGlobal>([
  [NUMPY_DTYPE, dtypeGlobal],
  [NUMPY_NDARRAY, ndarrayGlobal],
  ...(['numpy.core', 'numpy._core'] as const).flatMap((core): [string, AllowedGlobal][] => [
    [`${core}.multiarray _reconstruct`, reconstruct],
    [`${core}.multiarray scalar`, scalar],
    [`${core}.numeric _frombuffer`, frombuffer],
  ]),
  ['numpy.random._pickle __randomstate_ctor', randomStateCtor],
  ['numpy.random._pickle __bit_generator_ctor', { call: () => new PyObject('numpy.random._mt19937 MT19937') }],
  // numpy ≥ 2 passes the bit generator's class itself to __randomstate_ctor (an MLPClassifier's
  // _random_state), where 1.x passed its name; referenced only, never called.
  ['numpy.random._mt19937 MT19937', {}],
]);
