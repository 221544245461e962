import { describeFound } from './problems.js';
import type { KeyPath, ProblemList } from './problems.js';

/**
 * Readers for one YAML value each: they return the typed value, or record a problem
 * (with the key path, what was expected and what was found) and return undefined.
 */

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readMapping(
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
  expected = 'a mapping',
): Mapping | undefined {
  if (isMapping(value)) return value;
  problems.add(path, expected, describeFound(value));
  return undefined;
}

/** Records every key that is not allowed, naming the ones that are. */
export function checkKeys(
  mapping: Mapping,
  allowed: readonly string[],
  path: KeyPath,
  problems: ProblemList,
): void {
  for (const key of Object.keys(mapping)) {
    if (!allowed.includes(key)) {
      problems.add([...path, key], `one of the keys ${allowed.join(', ')}`, `unknown key "${key}"`);
    }
  }
}

export function readString(value: unknown, path: KeyPath, problems: ProblemList): string | undefined {
  if (typeof value === 'string') return value;
  problems.add(path, 'a string', describeFound(value));
  return undefined;
}

export function readNonEmptyString(
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.add(path, 'a non-empty string', describeFound(value));
  return undefined;
}

/**
 * Job parameters and variables are strings in Databricks, but YAML users write `epochs: 200`
 * and `shuffle: true`; those scalars are accepted and stringified (`0.05` → "0.05").
 */
export function readScalarAsString(
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  problems.add(
    path,
    'a string, number or boolean (write "" for an empty value)',
    describeFound(value),
  );
  return undefined;
}

export function readBoolean(value: unknown, path: KeyPath, problems: ProblemList): boolean | undefined {
  if (typeof value === 'boolean') return value;
  problems.add(path, 'true or false', describeFound(value));
  return undefined;
}

export function readNumber(
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
  options: { min?: number } = {},
): number | undefined {
  const { min } = options;
  if (typeof value === 'number' && Number.isFinite(value) && (min === undefined || value >= min)) {
    return value;
  }
  problems.add(path, min === undefined ? 'a number' : `a number >= ${min}`, describeFound(value));
  return undefined;
}

export function readOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  path: KeyPath,
  problems: ProblemList,
): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.add(path, `one of ${allowed.join(', ')}`, describeFound(value));
  return undefined;
}
