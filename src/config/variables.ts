import { interpolate } from './interpolate.js';
import type { ReferenceScope } from './interpolate.js';
import type { KeyPath, ProblemList } from './problems.js';

/** A variable declared under top-level `variables:`. */
export interface RawVariable {
  description?: string;
  default?: string;
}

export interface VariableLayers {
  declared: Readonly<Record<string, RawVariable>>;
  /** The chosen target's `variables:` values. */
  target: Readonly<Record<string, string>>;
  targetName: string;
  /** The process environment; only BUNDLE_VAR_<name> entries for declared variables are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** --var name=value */
  overrides: Readonly<Record<string, string>>;
}

export const ENV_PREFIX = 'BUNDLE_VAR_';

/** Where a variable's winning value came from, as a key path for error messages. */
function sourcePath(name: string, layer: 'override' | 'env' | 'target' | 'default', targetName: string): KeyPath {
  switch (layer) {
    case 'override':
      return [`--var ${name}`];
    case 'env':
      return [`${ENV_PREFIX}${name}`];
    case 'target':
      return ['targets', targetName, 'variables', name];
    case 'default':
      return ['variables', name, 'default'];
  }
}

/**
 * Final variable values: --var > BUNDLE_VAR_<name> > target > default, as the Databricks CLI
 * orders them. Values may refer to other variables and to ${bundle.*}; those are expanded too.
 */
export function resolveVariables(
  layers: VariableLayers,
  bundle: { name: string; target: string },
  problems: ProblemList,
): Record<string, string> {
  const declaredNames = Object.keys(layers.declared);
  for (const name of Object.keys(layers.overrides)) {
    if (!Object.hasOwn(layers.declared, name)) {
      problems.add(
        [`--var ${name}`],
        `a declared variable (one of ${declaredNames.join(', ') || 'none declared'})`,
        `unknown variable "${name}"`,
      );
    }
  }

  const chosen = new Map<string, { value: string; path: KeyPath }>();
  for (const name of declaredNames) {
    const envValue = layers.env[`${ENV_PREFIX}${name}`];
    const pick = (value: string | undefined, layer: Parameters<typeof sourcePath>[1]) =>
      value === undefined ? undefined : { value, path: sourcePath(name, layer, layers.targetName) };
    const winner =
      pick(Object.hasOwn(layers.overrides, name) ? layers.overrides[name] : undefined, 'override') ??
      pick(envValue, 'env') ??
      pick(Object.hasOwn(layers.target, name) ? layers.target[name] : undefined, 'target') ??
      pick(layers.declared[name]?.default, 'default');
    if (winner) {
      chosen.set(name, winner);
    } else {
      problems.add(
        ['variables', name],
        `a value from --var ${name}=..., ${ENV_PREFIX}${name}, targets.${layers.targetName}.variables.${name} or variables.${name}.default`,
        'no value anywhere',
      );
    }
  }

  const final = new Map<string, string>();
  const resolving: string[] = [];
  const known = ['bundle.name', 'bundle.target', ...declaredNames.map((name) => `var.${name}`)];

  const valueOf = (name: string): string | undefined => {
    const done = final.get(name);
    if (done !== undefined) return done;
    const entry = chosen.get(name);
    if (!entry) return undefined;
    if (resolving.includes(name)) {
      const cycle = [...resolving.slice(resolving.indexOf(name)), name].join(' -> ');
      problems.add(entry.path, 'variables that do not refer to each other in a cycle', `the cycle ${cycle}`);
      // Returning the raw text stops the recursion; the problem above fails the load anyway.
      return entry.value;
    }
    resolving.push(name);
    const value = interpolate(entry.value, scope, entry.path, problems);
    resolving.pop();
    final.set(name, value);
    return value;
  };

  const scope: ReferenceScope = {
    resolve(reference) {
      if (reference === 'bundle.name') return bundle.name;
      if (reference === 'bundle.target') return bundle.target;
      if (!reference.startsWith('var.')) return undefined;
      const name = reference.slice('var.'.length);
      if (!Object.hasOwn(layers.declared, name)) return undefined;
      // A declared variable without a value is already reported once; keep the text as written.
      return valueOf(name) ?? `\${${reference}}`;
    },
    known,
  };

  const result: Record<string, string> = {};
  for (const name of declaredNames) {
    const value = valueOf(name);
    if (value !== undefined) result[name] = value;
  }
  return result;
}
