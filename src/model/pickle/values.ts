import { MlopsError } from '../../errors.js';

/**
 * What a decoded pickle is made of. Python's built-in types map to plain JavaScript values;
 * instances of allowed classes become inert records. Nothing here can run code.
 *
 * | Python | here |
 * |---|---|
 * | None, bool, float, str | null, boolean, number, string |
 * | int | number, or bigint beyond ±2⁵³ |
 * | bytes, bytearray | Uint8Array |
 * | list | a mutable array |
 * | tuple | a frozen array (`Object.isFrozen`) |
 * | dict | Map |
 * | set, frozenset | Set |
 * | an allowed class's instance | PyObject (or a richer type its decoder makes, e.g. NdArray) |
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | PickleGlobal
  | PickleObject;

/** Anything an allow-list decoder returns that BUILD may later update. */
export interface PickleObject {
  /** `module name` of the class, e.g. "sklearn.preprocessing._data StandardScaler". */
  readonly pickleClass: string;
  /** BUILD: applies the state the pickle stores for this object. */
  setState(state: PickleValue, where: string): void;
}

/**
 * A reference to an allowed global (a class or function) as GLOBAL / STACK_GLOBAL push it.
 * It is only a name: it is called only through its allow-list entry by REDUCE or NEWOBJ.
 */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module} ${this.name}`;
  }
}

/**
 * An instance of an allowed class whose state is a plain attribute dict (scikit-learn
 * estimators, their helpers): `cls.__new__(cls)` then `BUILD` with `__dict__` contents.
 */
export class PyObject implements PickleObject {
  readonly attributes = new Map<string, PickleValue>();

  constructor(readonly pickleClass: string) {}

  setState(state: PickleValue, where: string): void {
    // BUILD's state is a dict, or (dict | None, slot dict) for classes with __slots__.
    const parts = isTuple(state) && state.length === 2 ? state : [state];
    for (const part of parts) {
      if (part === null) continue;
      if (!(part instanceof Map)) {
        throw new MlopsError('CORRUPT', `${where}: BUILD state for ${this.pickleClass} must be a dict, found ${describePickleValue(part)}`);
      }
      for (const [key, value] of part) {
        if (typeof key !== 'string') {
          throw new MlopsError('CORRUPT', `${where}: BUILD state for ${this.pickleClass} has a non-string attribute name ${describePickleValue(key)}`);
        }
        this.attributes.set(key, value);
      }
    }
  }

  get(name: string): PickleValue | undefined {
    return this.attributes.get(name);
  }
}

export function isTuple(value: PickleValue | undefined): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

export function isPickleObject(value: unknown): value is PickleObject {
  return typeof value === 'object' && value !== null && typeof (value as PickleObject).setState === 'function' && 'pickleClass' in value;
}

const LARGE_INT = 2n ** 128n;

/** A short description for error messages: the type and, for small values, the value. */
export function describePickleValue(value: PickleValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (typeof value === 'string') return value.length > 40 ? `str ${JSON.stringify(value.slice(0, 37))}…` : `str ${JSON.stringify(value)}`;
  // A huge int is described by its size: decimal digits of a million-bit int take seconds to compute.
  if (typeof value === 'bigint' && (value > LARGE_INT || value < -LARGE_INT)) return `int of ${(value < 0n ? -value : value).toString(16).length * 4} bits`;
  if (typeof value === 'number' || typeof value === 'bigint') return `${Number.isInteger(value) || typeof value === 'bigint' ? 'int' : 'float'} ${value}`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof Uint8Array) return `bytes of length ${value.byteLength}`;
  if (Array.isArray(value)) return `${Object.isFrozen(value) ? 'tuple' : 'list'} of length ${value.length}`;
  if (value instanceof Map) return `dict of ${value.size} item(s)`;
  if (value instanceof Set) return `set of ${value.size} item(s)`;
  if (value instanceof PickleGlobal) return `global ${value.qualifiedName}`;
  return `${(value as PickleObject).pickleClass} object`;
}
