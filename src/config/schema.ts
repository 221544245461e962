import { JOB_NAMES } from './types.js';
import type { JobName } from './types.js';
import { readApproval } from './approval.js';
import type { RawApproval } from './approval.js';
import {
  checkKeys,
  isMapping,
  readMapping,
  readNonEmptyString,
  readScalarAsString,
  readString,
} from './fields.js';
import { describeFound } from './problems.js';
import type { KeyPath, ProblemList } from './problems.js';
import { readTargets } from './targets.js';
import type { RawTarget } from './targets.js';
import type { RawVariable } from './variables.js';

/** A job as written under `resources.jobs`, before interpolation. */
export interface RawJob {
  name?: string;
  parameters: { name: string; default: string }[];
}

/** mlops.yml after structural validation: right shapes and names, nothing interpolated yet. */
export interface RawConfig {
  bundleName: string;
  variables: Record<string, RawVariable>;
  approval?: RawApproval;
  targets: Record<string, RawTarget>;
  jobs: Record<JobName, RawJob>;
}

export const TOP_LEVEL_KEYS = ['bundle', 'variables', 'approval', 'targets', 'resources'];
const VARIABLE_NAME = /^[A-Za-z_][\w-]*$/;

/** Checks the whole document's structure, recording every problem; returns undefined if any. */
export function readRawConfig(data: unknown, problems: ProblemList): RawConfig | undefined {
  const top = readMapping(data, [], problems, 'a mapping with bundle, variables, targets and resources');
  if (!top) return undefined;
  checkKeys(top, TOP_LEVEL_KEYS, [], problems);

  const bundleName = readBundle(top.bundle, problems);
  const variables = readVariables(top.variables, problems);
  const approval =
    top.approval === undefined || top.approval === null
      ? undefined
      : readApproval(top.approval, ['approval'], problems);
  const targets = readTargets(top.targets, Object.keys(variables), problems);
  const jobs = readResources(top.resources, problems);

  if (!problems.isEmpty || bundleName === undefined || jobs === undefined) return undefined;
  return { bundleName, variables, ...(approval ? { approval } : {}), targets, jobs };
}

function readBundle(value: unknown, problems: ProblemList): string | undefined {
  if (value === undefined) {
    problems.add(['bundle'], 'a mapping with a name', 'nothing');
    return undefined;
  }
  const bundle = readMapping(value, ['bundle'], problems, 'a mapping with a name');
  if (!bundle) return undefined;
  checkKeys(bundle, ['name'], ['bundle'], problems);
  return readNonEmptyString(bundle.name, ['bundle', 'name'], problems);
}

function readVariables(value: unknown, problems: ProblemList): Record<string, RawVariable> {
  const variables: Record<string, RawVariable> = {};
  if (value === undefined || value === null) return variables;
  const mapping = readMapping(value, ['variables'], problems, 'a mapping of variable name to { description, default }');
  for (const [name, body] of Object.entries(mapping ?? {})) {
    const path: KeyPath = ['variables', name];
    if (!VARIABLE_NAME.test(name)) {
      problems.add(path, 'a variable name of letters, digits, _ and -, not starting with a digit', `"${name}"`);
    }
    const declaration = readMapping(body, path, problems, 'a mapping with description and default');
    if (!declaration) continue;
    checkKeys(declaration, ['description', 'default'], path, problems);
    const variable: RawVariable = {};
    if (declaration.description !== undefined) {
      const description = readString(declaration.description, [...path, 'description'], problems);
      if (description !== undefined) variable.description = description;
    }
    if (declaration.default !== undefined) {
      const fallback = readScalarAsString(declaration.default, [...path, 'default'], problems);
      if (fallback !== undefined) variable.default = fallback;
    }
    variables[name] = variable;
  }
  return variables;
}

function readResources(value: unknown, problems: ProblemList): Record<JobName, RawJob> | undefined {
  const resources = readMapping(value, ['resources'], problems, 'a mapping with jobs');
  if (!resources) return undefined;
  checkKeys(resources, ['jobs'], ['resources'], problems);
  const jobsPath: KeyPath = ['resources', 'jobs'];
  const jobs = readMapping(resources.jobs, jobsPath, problems, `a mapping with the jobs ${JOB_NAMES.join(', ')}`);
  if (!jobs) return undefined;

  for (const key of Object.keys(jobs)) {
    if (!(JOB_NAMES as readonly string[]).includes(key)) {
      problems.add([...jobsPath, key], `one of the jobs ${JOB_NAMES.join(', ')}`, `unknown job "${key}"`);
    }
  }
  const result: Partial<Record<JobName, RawJob>> = {};
  for (const name of JOB_NAMES) {
    if (jobs[name] === undefined) {
      problems.add([...jobsPath, name], `a definition of job ${name}`, 'nothing');
      continue;
    }
    const job = readJob(jobs[name], [...jobsPath, name], problems);
    if (job) result[name] = job;
  }
  return problems.isEmpty ? (result as Record<JobName, RawJob>) : undefined;
}

function readJob(value: unknown, path: KeyPath, problems: ProblemList): RawJob | undefined {
  const mapping = readMapping(value, path, problems, 'a mapping with name and parameters');
  if (!mapping) return undefined;
  checkKeys(mapping, ['name', 'parameters'], path, problems);
  const job: RawJob = { parameters: [] };
  if (mapping.name !== undefined) {
    const name = readNonEmptyString(mapping.name, [...path, 'name'], problems);
    if (name !== undefined) job.name = name;
  }
  if (mapping.parameters === undefined || mapping.parameters === null) return job;

  const parametersPath = [...path, 'parameters'];
  if (!Array.isArray(mapping.parameters)) {
    problems.add(parametersPath, 'a list of { name, default }', describeFound(mapping.parameters));
    return job;
  }
  const firstIndex = new Map<string, number>();
  mapping.parameters.forEach((item: unknown, index) => {
    const itemPath = [...parametersPath, index];
    if (!isMapping(item)) {
      problems.add(itemPath, 'a mapping { name, default }', describeFound(item));
      return;
    }
    checkKeys(item, ['name', 'default'], itemPath, problems);
    const name = readNonEmptyString(item.name, [...itemPath, 'name'], problems);
    if (item.default === undefined) {
      problems.add([...itemPath, 'default'], 'a default value (write "" for an empty one)', 'nothing');
    }
    const fallback =
      item.default === undefined ? undefined : readScalarAsString(item.default, [...itemPath, 'default'], problems);
    if (name === undefined) return;
    const earlier = firstIndex.get(name);
    if (earlier !== undefined) {
      problems.add(
        [...itemPath, 'name'],
        `parameter names unique within the job (first defined at parameters[${earlier}])`,
        `duplicate "${name}"`,
      );
      return;
    }
    firstIndex.set(name, index);
    if (fallback !== undefined) job.parameters.push({ name, default: fallback });
  });
  return job;
}
