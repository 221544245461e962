import { readApproval } from './approval.js';
import type { RawApproval } from './approval.js';
import {
  checkKeys,
  isMapping,
  readBoolean,
  readMapping,
  readOneOf,
  readScalarAsString,
  readString,
} from './fields.js';
import { readEngine, type RawEngine } from './engine.js';
import type { KeyPath, ProblemList } from './problems.js';
import { readWorkspace } from './workspace.js';
import type { RawWorkspace } from './workspace.js';

export const TARGET_MODES = ['development', 'production'] as const;
export type TargetMode = (typeof TARGET_MODES)[number];

/** One entry under `targets:`, before interpolation. */
export interface RawTarget {
  isDefault: boolean;
  mode?: TargetMode;
  workspace?: RawWorkspace;
  variables: Record<string, string>;
  approval?: RawApproval;
  trackingUri?: string;
  engine?: RawEngine;
}

const TARGET_KEYS = ['default', 'mode', 'workspace', 'variables', 'approval', 'tracking_uri', 'engine'];

export function readTargets(
  value: unknown,
  declaredVariables: readonly string[],
  problems: ProblemList,
): Record<string, RawTarget> {
  const path: KeyPath = ['targets'];
  const mapping = readMapping(value, path, problems, 'a mapping of target name to target (e.g. dev, prod)');
  if (!mapping) return {};
  if (Object.keys(mapping).length === 0) {
    problems.add(path, 'at least one target', 'an empty mapping');
  }
  const targets: Record<string, RawTarget> = {};
  for (const [name, body] of Object.entries(mapping)) {
    const target = readTarget(body, [...path, name], declaredVariables, problems);
    if (target) targets[name] = target;
  }
  return targets;
}

function readTarget(
  value: unknown,
  path: KeyPath,
  declaredVariables: readonly string[],
  problems: ProblemList,
): RawTarget | undefined {
  const mapping = readMapping(value, path, problems, 'a mapping with workspace and optional default, mode, variables, approval, tracking_uri, engine');
  if (!mapping) return undefined;
  checkKeys(mapping, TARGET_KEYS, path, problems);

  const target: RawTarget = { isDefault: false, variables: {} };
  if (mapping.default !== undefined) {
    target.isDefault = readBoolean(mapping.default, [...path, 'default'], problems) ?? false;
  }
  if (mapping.mode !== undefined) {
    const mode = readOneOf(mapping.mode, TARGET_MODES, [...path, 'mode'], problems);
    if (mode) target.mode = mode;
  }
  if (mapping.workspace === undefined) {
    problems.add([...path, 'workspace'], 'a workspace with root (a local folder) or host (Databricks)', 'nothing');
  } else {
    const workspace = readWorkspace(mapping.workspace, [...path, 'workspace'], problems);
    if (workspace) target.workspace = workspace;
  }
  if (mapping.variables !== undefined && mapping.variables !== null) {
    target.variables = readTargetVariables(mapping.variables, [...path, 'variables'], declaredVariables, problems);
  }
  if (mapping.approval !== undefined && mapping.approval !== null) {
    const approval = readApproval(mapping.approval, [...path, 'approval'], problems);
    if (approval) target.approval = approval;
  }
  if (mapping.tracking_uri !== undefined) {
    const uri = readString(mapping.tracking_uri, [...path, 'tracking_uri'], problems);
    if (uri !== undefined) target.trackingUri = uri;
  }
  if (mapping.engine !== undefined && mapping.engine !== null) {
    const engine = readEngine(mapping.engine, [...path, 'engine'], problems);
    if (engine) target.engine = engine;
  }
  return target;
}

/** Target variables are plain values, or `{ default: value }` as the Databricks CLI also accepts. */
function readTargetVariables(
  value: unknown,
  path: KeyPath,
  declaredVariables: readonly string[],
  problems: ProblemList,
): Record<string, string> {
  const mapping = readMapping(value, path, problems, 'a mapping of variable name to value');
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(mapping ?? {})) {
    const itemPath = [...path, name];
    if (!declaredVariables.includes(name)) {
      problems.add(
        itemPath,
        `a variable declared under top-level variables (one of ${declaredVariables.join(', ') || 'none declared'})`,
        `unknown variable "${name}"`,
      );
      continue;
    }
    let scalar = raw;
    let scalarPath: KeyPath = itemPath;
    if (isMapping(raw)) {
      checkKeys(raw, ['default'], itemPath, problems);
      scalar = raw.default;
      scalarPath = [...itemPath, 'default'];
    }
    const text = readScalarAsString(scalar, scalarPath, problems);
    if (text !== undefined) values[name] = text;
  }
  return values;
}

/**
 * The target to use: the one asked for, else the single one marked `default: true`.
 * Records a problem and returns undefined when that is not possible.
 */
export function selectTarget(
  targets: Readonly<Record<string, RawTarget>>,
  requested: string | undefined,
  problems: ProblemList,
): string | undefined {
  const names = Object.keys(targets);
  if (requested !== undefined) {
    if (Object.hasOwn(targets, requested)) return requested;
    problems.add(['targets', requested], `one of the targets ${names.join(', ') || '(none defined)'}`, `unknown target "${requested}"`);
    return undefined;
  }
  const defaults = names.filter((name) => targets[name]?.isDefault);
  if (defaults.length === 1) return defaults[0];
  problems.add(
    ['targets'],
    'exactly one target with default: true, or a target chosen explicitly (--target)',
    defaults.length === 0 ? `none marked default among ${names.join(', ') || '(no targets)'}` : `several marked default: ${defaults.join(', ')}`,
  );
  return undefined;
}
