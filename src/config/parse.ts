import { resolve } from 'node:path';
import { MlopsError } from '../errors.js';
import { JOB_NAMES } from './types.js';
import type { JobConfig, JobName, ResolvedConfig } from './types.js';
import { mergeApproval } from './approval.js';
import { bundleScope, interpolate } from './interpolate.js';
import { ProblemList } from './problems.js';
import type { KeyPath } from './problems.js';
import { readRawConfig } from './schema.js';
import type { RawJob } from './schema.js';
import { resolveEngine } from './engine.js';
import { selectTarget } from './targets.js';
import { resolveVariables } from './variables.js';
import { resolveTrackingUri, resolveWorkspace, trackingUriSource } from './workspace.js';
import { parseYamlSource } from './yaml.js';

export interface ParseConfigOptions {
  /** How error messages name the text, usually the file path. */
  source: string;
  /** The config file's folder: relative job paths and (normally) the workspace root resolve here. */
  configDir: string;
  /** Absolute path of the file the text came from; undefined for the embedded defaults. */
  configPath?: string;
  /**
   * True when the text is the package's own mlops.yml: a relative local workspace root then
   * resolves against `cwd`, so state lands in the user's folder rather than inside the package.
   */
  embedded?: boolean;
  /** Base for a relative MLFLOW_TRACKING_URI path, and for the workspace root when embedded. Default: configDir. */
  cwd?: string;
  /** Default: the target with `default: true`. */
  target?: string;
  /** --var name=value; these win over everything else. */
  vars?: Record<string, string>;
  /** BUNDLE_VAR_<name>, MLFLOW_TRACKING_URI and SPARK_REMOTE are read from here. Default: none (parsing stays pure). */
  env?: Record<string, string | undefined>;
}

/** Turns mlops.yml text into the configuration of one target. Pure: no file or environment access. */
export function parseConfig(text: string, options: ParseConfigOptions): ResolvedConfig {
  const { source } = options;
  const configDir = resolve(options.configDir);
  const cwd = resolve(options.cwd ?? configDir);
  const env = options.env ?? {};
  const { data, lineOf } = parseYamlSource(text, source);
  const problems = new ProblemList();

  const raw = readRawConfig(data, problems);
  problems.throwIfAny(source, lineOf);
  if (!raw) throw new MlopsError('INTERNAL', `Reading ${source} produced no configuration and no problem`);

  const target = selectTarget(raw.targets, options.target, problems);
  problems.throwIfAny(source, lineOf);
  const rawTarget = target === undefined ? undefined : raw.targets[target];
  if (target === undefined || !rawTarget?.workspace) {
    throw new MlopsError('INTERNAL', `Target ${String(target)} in ${source} was selected but did not validate`);
  }

  const variables = resolveVariables(
    {
      declared: raw.variables,
      target: rawTarget.variables,
      targetName: target,
      env,
      overrides: options.vars ?? {},
    },
    { name: raw.bundleName, target },
    problems,
  );
  problems.throwIfAny(source, lineOf);

  const scope = bundleScope(raw.bundleName, target, variables);
  const expand = (value: string, path: KeyPath): string => interpolate(value, scope, path, problems);
  const targetPath: KeyPath = ['targets', target];

  const workspace = resolveWorkspace(
    rawTarget.workspace,
    [...targetPath, 'workspace'],
    options.embedded ? cwd : configDir,
    expand,
    problems,
  );
  const trackingSources = {
    fromEnv: env.MLFLOW_TRACKING_URI,
    fromTarget:
      rawTarget.trackingUri === undefined ? undefined : expand(rawTarget.trackingUri, [...targetPath, 'tracking_uri']),
    workspace,
    baseDir: options.embedded ? cwd : configDir,
    cwd,
  };
  const trackingUri = resolveTrackingUri(trackingSources);
  const approval = mergeApproval(
    raw.approval,
    rawTarget.approval,
    { base: ['approval'], override: [...targetPath, 'approval'] },
    problems,
  );

  const engine = rawTarget.engine === undefined ? undefined : resolveEngine(rawTarget.engine, [...targetPath, 'engine'], expand, env, problems);

  const jobs = {} as Record<JobName, JobConfig>;
  for (const name of JOB_NAMES) {
    jobs[name] = resolveJob(name, raw.jobs[name], expand);
  }
  problems.throwIfAny(source, lineOf);

  return {
    configPath: options.configPath,
    configDir,
    bundle: { name: raw.bundleName },
    target,
    variables,
    workspace,
    trackingUri,
    trackingUriFrom: trackingUriSource(trackingSources),
    approval,
    jobs,
    ...(engine === undefined ? {} : { engine }),
  };
}

function resolveJob(name: JobName, raw: RawJob, expand: (value: string, path: KeyPath) => string): JobConfig {
  const path: KeyPath = ['resources', 'jobs', name];
  const parameters: Record<string, string> = {};
  raw.parameters.forEach((parameter, index) => {
    parameters[parameter.name] = expand(parameter.default, [...path, 'parameters', index, 'default']);
  });
  return {
    name,
    displayName: raw.name === undefined ? name : expand(raw.name, [...path, 'name']),
    parameters,
  };
}
