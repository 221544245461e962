import { MlopsError } from '../errors.js';
import type { JobConfig } from './types.js';
import { describeFound } from './problems.js';
import { isMapping } from './fields.js';
import type { Mapping } from './fields.js';

/**
 * Run-time parameter overrides, like `databricks bundle run <job> --json '{...}'`: the keys must be
 * parameters of that job. Both `{"model_version": "5"}` and the Jobs API's
 * `{"job_parameters": {"model_version": "5"}}` are accepted.
 */
export function applyJobOverrides(job: JobConfig, json: string | Record<string, unknown>): JobConfig {
  const parsed: unknown = typeof json === 'string' ? parseJsonObject(json) : json;
  if (!isMapping(parsed)) {
    throw new MlopsError('USAGE', `--json for job ${job.name}: expected a JSON object, found ${describeFound(parsed)}`);
  }
  const wrapped = parsed.job_parameters;
  const isWrapped =
    !Object.hasOwn(job.parameters, 'job_parameters') && Object.keys(parsed).length === 1 && isMapping(wrapped);
  const overrides: Mapping = isWrapped && isMapping(wrapped) ? wrapped : parsed;

  const valid = Object.keys(job.parameters);
  const unknown = Object.keys(overrides).filter((key) => !Object.hasOwn(job.parameters, key));
  const problems: string[] = [];
  if (unknown.length > 0) {
    problems.push(
      `unknown parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => `"${key}"`).join(', ')} ` +
        `(expected one of ${valid.join(', ') || 'none: this job has no parameters'})`,
    );
  }
  const parameters = { ...job.parameters };
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(job.parameters, key)) continue;
    if (typeof value === 'string') parameters[key] = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') {
      parameters[key] = String(value);
    } else {
      problems.push(`parameter "${key}": expected a string, number or boolean, found ${describeFound(value)}`);
    }
  }
  if (problems.length > 0) {
    throw new MlopsError('CONFIG_INVALID', `Invalid --json overrides for job ${job.name}: ${problems.join('; ')}`, {
      details: { job: job.name, unknown, validParameters: valid },
    });
  }
  return { ...job, parameters };
}

function parseJsonObject(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Node names the position for most mistakes but not for truncated input, where it is the end.
    const position = Number(/position (\d+)/.exec(reason)?.[1] ?? text.length);
    const excerpt = text.slice(Math.max(0, position - 20), position + 20);
    throw new MlopsError(
      'USAGE',
      `--json is not valid JSON: ${reason} (at position ${position}, near ${JSON.stringify(excerpt)})`,
      { cause: error, details: { position } },
    );
  }
}

/** `["catalog_name=main", "environment=qa"]` → `{catalog_name: "main", environment: "qa"}`; splits at the first `=`. */
export function parseVarArgs(args: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const arg of args) {
    const equals = arg.indexOf('=');
    const name = equals < 0 ? '' : arg.slice(0, equals).trim();
    if (name === '') {
      throw new MlopsError(
        'USAGE',
        `--var expects name=value, found ${JSON.stringify(arg)}${equals < 0 ? ' (no "=")' : ' (the name is empty)'}`,
      );
    }
    vars[name] = arg.slice(equals + 1);
  }
  return vars;
}
