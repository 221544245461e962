import { JOB_STAGES, type JobName, type StageName } from '../config/types.js';
import { parameterError, parseDeclaredParams, type ParamProblem } from '../stages/declaration.js';
import { STAGES } from '../stages/registry.js';
import type { PipelineState } from '../stages/state.js';

/** Each stage's parameters of one job, read and checked. */
export type ValidatedJob = Partial<Record<StageName, unknown>>;

/**
 * Reads every parameter of every stage of the job and checks that each stage's required inputs
 * come from an earlier stage — before anything runs. All problems are reported in one
 * CONFIG_INVALID error (a parameter two stages share is reported once).
 */
export function validateJob(job: JobName, parameters: Readonly<Record<string, string>>): ValidatedJob {
  const available = new Set<keyof PipelineState>();
  const problems: ParamProblem[] = [];
  const validated: ValidatedJob = {};
  for (const stage of JOB_STAGES[job]) {
    const declaration = STAGES[stage];
    for (const [key, need] of Object.entries(declaration.reads)) {
      if (need === 'required' && !available.has(key as keyof PipelineState)) {
        problems.push({ parameter: `(stage ${stage})`, expected: `a stage producing ${key} earlier in ${job}`, found: JOB_STAGES[job].join(' → '), stage });
      }
    }
    const parsed = parseDeclaredParams(declaration, parameters, available);
    for (const problem of parsed.problems) {
      if (!problems.some((p) => p.parameter === problem.parameter && p.expected === problem.expected)) problems.push(problem);
    }
    validated[stage] = parsed.params;
    available.add(declaration.produces);
  }
  if (problems.length > 0) throw parameterError(`job ${job}`, problems);
  return validated;
}

/** The parameters a job's stages declare, with their defaults: what `mlops.yml` may set for it. */
export function declaredParameters(job: JobName): Record<string, string> {
  const declared: Record<string, string> = {};
  for (const stage of JOB_STAGES[job]) {
    for (const [name, spec] of Object.entries(STAGES[stage].params)) declared[name] ??= spec.default;
  }
  return declared;
}
