import { MlopsError } from '../../errors.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject, describePickleValue, type PickleValue } from '../pickle/values.js';
import { pythonFloatRepr } from '../python-json.js';

/** Typed access to a decoded estimator's attributes, with errors naming the estimator and attribute. */
export class EstimatorAttributes {
  constructor(
    readonly object: PyObject,
    /** e.g. "iris.pkl: Pipeline step 2 (LogisticRegression)" */
    readonly where: string,
  ) {}

  get className(): string {
    return this.object.pickleClass.split(' ').pop()!;
  }

  raw(name: string): PickleValue | undefined {
    return this.object.get(name);
  }

  has(name: string): boolean {
    const value = this.object.get(name);
    return value !== undefined && value !== null;
  }

  string(name: string, fallback?: string): string {
    const value = this.object.get(name);
    if (typeof value === 'string') return value;
    if ((value === undefined || value === null) && fallback !== undefined) return fallback;
    throw this.invalid(name, 'a string', value);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.object.get(name);
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    throw this.invalid(name, 'True or False', value);
  }

  integer(name: string): number {
    const value = this.object.get(name);
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    throw this.invalid(name, 'an int', value);
  }

  /** A float array of the given rank, in C order, as float64. */
  floats(name: string, rank: number): { values: Float64Array; shape: number[] } {
    return floatArray(this.object.get(name), rank, `${this.where}: ${name}`);
  }

  /** A list (or tuple) of float arrays of the given rank, e.g. MLPClassifier.coefs_. */
  floatList(name: string, rank: number): { values: Float64Array; shape: number[] }[] {
    const value = this.object.get(name);
    if (!Array.isArray(value)) throw this.invalid(name, `a list of ${rank}-d float arrays`, value);
    return value.map((item, index) => floatArray(item, rank, `${this.where}: ${name}[${index}]`));
  }

  /** classes_ or feature_names_in_ as the strings Python's str() would give. */
  labels(name: string): string[] {
    const value = this.object.get(name);
    if (!(value instanceof NdArray) || value.shape.length !== 1) throw this.invalid(name, 'a 1-d array', value);
    // A float-dtype array's labels print as Python floats ("1.0"), whatever their value.
    if (value.dtype?.kind === 'f') return Array.from(value.data as Float64Array, (x) => pythonFloatRepr(x));
    return Array.from(value.data as ArrayLike<PickleValue>, (item, index) => pythonStr(item, `${this.where}: ${name}[${index}]`));
  }

  estimator(name: string): PyObject {
    const value = this.object.get(name);
    if (value instanceof PyObject) return value;
    throw this.invalid(name, 'an estimator', value);
  }

  invalid(name: string, expected: string, found: PickleValue | undefined): MlopsError {
    return new MlopsError('INVALID_ARGUMENT', `${this.where}: ${this.className}.${name} should be ${expected}, found ${describePickleValue(found)}`, {
      details: { attribute: name, expected },
    });
  }
}

function floatArray(value: PickleValue | undefined, rank: number, where: string): { values: Float64Array; shape: number[] } {
  if (!(value instanceof NdArray) || value.shape.length !== rank || value.dtype?.kind !== 'f') {
    const found = value instanceof NdArray ? `a ${value.shape.length}-d ${value.dtype?.str} array` : describePickleValue(value);
    throw new MlopsError('INVALID_ARGUMENT', `${where} should be a ${rank}-d float array, found ${found}`);
  }
  const values = value.data as Float64Array;
  values.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new MlopsError('INVALID_ARGUMENT', `${where}[${i}] is ${x}; a usable model has finite weights`);
  });
  return { values, shape: [...value.shape] };
}

const MAX_LABEL_INT = 10n ** 4300n;

/** Python's str() of a class label: ints as digits, floats in repr form, booleans as True/False. */
function pythonStr(value: PickleValue, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') {
    // Python's str() refuses ints over 4300 digits too; V8 needs seconds for a million-bit one.
    if (value > MAX_LABEL_INT || value < -MAX_LABEL_INT) {
      throw new MlopsError('INVALID_ARGUMENT', `${where}: a class label is ${describePickleValue(value)}, over Python's 4300-digit limit for str(int)`);
    }
    return value.toString();
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  throw new MlopsError('INVALID_ARGUMENT', `${where}: a class label must be a string, number or bool, found ${describePickleValue(value)}`);
}
