import type { KeyPath, ProblemList } from './problems.js';

/** What `${...}` may name, and how each name resolves. */
export interface ReferenceScope {
  /** The value of a reference such as `var.catalog_name`, or undefined when it is not known. */
  resolve(reference: string): string | undefined;
  /** Every reference this scope knows, for "expected one of ..." messages. */
  readonly known: readonly string[];
}

// Same shape as bundle references (dotted identifiers); anything else with `${` is left alone,
// so shell-like text such as `${1:-x}` in a parameter is not mistaken for a reference.
const REFERENCE = /\$\{([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\}/g;

/** The references in a string, in order of appearance, e.g. `['var.catalog_name', 'bundle.target']`. */
export function referencesIn(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((match) => match[1] ?? '');
}

/**
 * Replaces every `${reference}` in one string value. Unknown references are recorded
 * against the value's key path and left in place, so all of them can be reported together.
 */
export function interpolate(
  text: string,
  scope: ReferenceScope,
  path: KeyPath,
  problems: ProblemList,
): string {
  return text.replace(REFERENCE, (whole, reference: string) => {
    const value = scope.resolve(reference);
    if (value !== undefined) return value;
    problems.add(
      path,
      `a known reference (one of ${scope.known.map((name) => `\${${name}}`).join(', ')})`,
      `unknown reference ${whole}`,
    );
    return whole;
  });
}

/** The references available everywhere in mlops.yml once variables are final. */
export function bundleScope(
  bundleName: string,
  target: string,
  variables: Readonly<Record<string, string>>,
): ReferenceScope {
  return {
    resolve(reference) {
      if (reference === 'bundle.name') return bundleName;
      if (reference === 'bundle.target') return target;
      if (reference.startsWith('var.')) {
        const name = reference.slice('var.'.length);
        return Object.hasOwn(variables, name) ? variables[name] : undefined;
      }
      return undefined;
    },
    known: ['bundle.name', 'bundle.target', ...Object.keys(variables).map((name) => `var.${name}`)],
  };
}
