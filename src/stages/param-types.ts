import { ParamError, type ParamSpec } from './declaration.js';
import { formatCount } from '../report/format.js';

/**
 * The parameter kinds stages declare. Every value arrives as a string (as Databricks job
 * parameters do); an empty string takes the declared `empty` value where a kind has one.
 */

interface Common {
  description: string;
  default?: string;
}

/** Free text; `required` refuses '' and `maxLength` bounds it (MLflow and Unity Catalog limit names). */
export function text(options: Common & { required?: boolean; maxLength?: number }): ParamSpec<string> {
  return {
    default: options.default ?? '',
    description: options.description,
    parse(raw) {
      const value = raw.trim();
      if (options.required && value === '') throw new ParamError('a non-empty value');
      if (options.maxLength !== undefined && value.length > options.maxLength) {
        throw new ParamError(`at most ${options.maxLength} characters (found ${value.length})`);
      }
      return value;
    },
  };
}

/** An integer in [min, max]; '' gives `empty` (or is refused when there is none). */
export function integer(options: Common & { min: number; max: number; empty?: number }): ParamSpec<number> {
  return {
    default: options.default ?? '',
    description: options.description,
    parse(raw) {
      const value = raw.trim();
      if (value === '' && options.empty !== undefined) return options.empty;
      const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!(Number.isSafeInteger(n) && n >= options.min && n <= options.max)) {
        throw new ParamError(`an integer from ${formatCount(options.min)} to ${formatCount(options.max)}`);
      }
      return n;
    },
  };
}

/** A finite number; `exclusiveMin`/`exclusiveMax` bound it from outside, `max` from inside. */
export function decimal(options: Common & { exclusiveMin?: number; exclusiveMax?: number; max?: number; empty?: number; expected: string }): ParamSpec<number> {
  return {
    default: options.default ?? '',
    description: options.description,
    parse(raw) {
      const value = raw.trim();
      if (value === '' && options.empty !== undefined) return options.empty;
      const n = value === '' ? NaN : Number(value);
      const ok =
        Number.isFinite(n) &&
        (options.exclusiveMin === undefined || n > options.exclusiveMin) &&
        (options.exclusiveMax === undefined || n < options.exclusiveMax) &&
        (options.max === undefined || n <= options.max);
      if (!ok) throw new ParamError(options.expected);
      return n;
    },
  };
}

/** One of a few words, case-insensitive; '' gives `empty`. `aliases` map other spellings onto them. */
export function oneOf<T extends string>(
  values: readonly T[],
  options: Common & { empty?: T; aliases?: Record<string, T>; expected?: string },
): ParamSpec<T> {
  return {
    default: options.default ?? '',
    description: options.description,
    parse(raw) {
      const value = raw.trim().toLowerCase();
      if (value === '' && options.empty !== undefined) return options.empty;
      const found = values.find((candidate) => candidate === value) ?? options.aliases?.[value];
      if (found === undefined) throw new ParamError(options.expected ?? `one of ${values.join(', ')}`);
      return found;
    },
  };
}

/** A parameter whose reading is its own (e.g. the ingest schema): `parse` throws ParamError. */
export function custom<T>(options: Common & { parse(raw: string): T }): ParamSpec<T> {
  return { default: options.default ?? '', description: options.description, parse: options.parse };
}
