import type { StageName } from '../config/types.js';
import { MlopsError } from '../errors.js';
import type { StageContext } from './context.js';
import type { PipelineState } from './state.js';

/**
 * A stage, declared once: its parameters (typed, with defaults and checks), what it reads from
 * earlier stages of the same job run, what it produces, and one `run`. The runner derives from
 * these the job's validation (every parameter of every stage before anything runs), the order
 * checks (a stage that needs another's output comes after it), resume and the result; the
 * stage functions of the API (runTrain, runScore, …) are `run` behind the same parsing.
 */
export interface StageDeclaration<P = any, K extends keyof PipelineState = keyof PipelineState> {
  name: StageName;
  /** One line: what the stage does. */
  summary: string;
  /** Job parameter name → how to read it. Parameters are strings, as Databricks job parameters are. */
  params: { [N in keyof P]: ParamSpec<P[N]> };
  /**
   * Rules between parameters, and between parameters and what earlier stages of the job provide
   * (`available`: the state keys some earlier stage produces). Each problem names its parameter.
   */
  check?(params: P, available: ReadonlySet<keyof PipelineState>): ParamProblem[];
  /** Outputs of earlier stages this stage takes: `required` ones must come from an earlier stage of the job. */
  reads: Partial<Record<keyof PipelineState, 'required' | 'optional'>>;
  produces: K;
  run(ctx: StageContext, input: StageInput<P>): Promise<NonNullable<PipelineState[K]>>;
  /** A produced value that stops the job without failing it (a rejected model version). */
  halts?(output: NonNullable<PipelineState[K]>): 'rejected' | undefined;
  /**
   * Present on stages whose output can be reused (the step cache, src/pipeline/step-cache.ts): when
   * the parameters, the code and these inputs match an earlier successful run of the stage, the
   * runner hands on that run's output instead of running the stage again.
   */
  cache?: StageCache<P, NonNullable<PipelineState[K]>>;
}

export interface StageCache<P, O> {
  /**
   * What the output depends on beyond the parameters and the code: a data fingerprint, the
   * registered version read, the registry state compared with. undefined: not cacheable this time
   * (e.g. a pickle import).
   */
  inputs(ctx: StageContext, input: StageInput<P>): Promise<Record<string, string> | undefined>;
  /** The experiment the stage logs its run to: where an earlier run is looked for. */
  experiment(params: P): string;
  /** Whether an earlier output still stands (e.g. its model version was not deleted since). */
  stillValid?(ctx: StageContext, output: O): Promise<boolean>;
}

/** The parameter half of a declaration: what a stage function needs to read its job parameters. */
export type ParamsDeclaration<P> = Pick<StageDeclaration<P>, 'name' | 'params' | 'check'> & { reads?: StageDeclaration<P>['reads'] };

export interface StageInput<P> {
  params: P;
  /** What earlier stages of this job run produced (only the keys the stage reads). */
  upstream: PipelineState;
}

/** How one parameter is read: its default, its meaning, and a parser that says what it expected. */
export interface ParamSpec<T> {
  /** The value used when the job does not define the parameter ('' for "none"). */
  default: string;
  description: string;
  /** The parameter's value from its text; throws ParamError saying what was expected. */
  parse(text: string): T;
}

export class ParamError extends Error {
  constructor(readonly expected: string) {
    super(expected);
  }
}

export interface ParamProblem {
  parameter: string;
  /** What was expected, e.g. "a positive integer". */
  expected: string;
  /** The value found, as given. */
  found: string;
  /** The stage that declares the parameter. */
  stage?: StageName;
}

/** Parses every declared parameter; problems are collected, not thrown, so that all are reported at once. */
export function parseDeclaredParams<P>(
  declaration: ParamsDeclaration<P>,
  parameters: Readonly<Record<string, string | undefined>>,
  available: ReadonlySet<keyof PipelineState> = new Set(),
): { params: P; problems: ParamProblem[] } {
  const params: Record<string, unknown> = {};
  const problems: ParamProblem[] = [];
  for (const [name, spec] of Object.entries(declaration.params) as [string, ParamSpec<unknown>][]) {
    const text = parameters[name] ?? spec.default;
    try {
      params[name] = spec.parse(text);
    } catch (error) {
      if (!(error instanceof ParamError)) throw error;
      problems.push({ parameter: name, expected: error.expected, found: text, stage: declaration.name });
    }
  }
  if (problems.length === 0 && declaration.check) {
    for (const problem of declaration.check(params as P, available)) problems.push({ ...problem, stage: declaration.name });
  }
  return { params: params as P, problems };
}

/** Parses one stage's parameters and throws CONFIG_INVALID listing every problem: the API's stage functions use it. */
export function stageParams<P>(declaration: ParamsDeclaration<P>, parameters: Readonly<Record<string, string | undefined>>): P {
  const { params, problems } = parseDeclaredParams(declaration, parameters, new Set(Object.keys(declaration.reads ?? {}) as (keyof PipelineState)[]));
  if (problems.length > 0) throw parameterError(`${declaration.name} stage`, problems);
  return params;
}

/** One CONFIG_INVALID error for all problems, each naming its parameter, what was expected and what was found. */
export function parameterError(where: string, problems: readonly ParamProblem[]): MlopsError {
  const lines = problems.map((p) => `parameter "${p.parameter}": expected ${p.expected}, found ${JSON.stringify(shorten(p.found))}`);
  const message =
    lines.length === 1 ? `Invalid job parameters for ${where}: ${lines[0]}` : `Invalid job parameters for ${where} (${lines.length} problems):\n  - ${lines.join('\n  - ')}`;
  return new MlopsError('CONFIG_INVALID', message, {
    details: {
      parameter: problems[0]?.parameter,
      problems: problems.map((p) => ({ parameter: p.parameter, expected: p.expected, found: shorten(p.found), ...(p.stage ? { stage: p.stage } : {}) })),
    },
  });
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}... (${text.length} characters)` : text;
}
