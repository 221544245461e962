import { MlopsError } from '../errors.js';

/** A location inside the YAML document: map keys and sequence indexes, outermost first. */
export type KeyPath = readonly (string | number)[];

export interface ConfigProblem {
  path: KeyPath;
  expected: string;
  found: string;
}

/** `resources.jobs.model_training_job.parameters[2].default` — the spelling users search their file for. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '(top level)' : text;
}

/** A short, quoted rendering of a value as it was found, for "found ..." in messages. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** Resolves a key path to a 1-based line in the source, when the path exists there. */
export type LineLocator = (path: KeyPath) => number | undefined;

/**
 * Collects every problem found in one pass so a user fixes their file once,
 * not once per error.
 */
export class ProblemList {
  readonly problems: ConfigProblem[] = [];

  add(path: KeyPath, expected: string, found: string): void {
    this.problems.push({ path: [...path], expected, found });
  }

  get isEmpty(): boolean {
    return this.problems.length === 0;
  }

  throwIfAny(source: string, lineOf?: LineLocator): void {
    if (this.isEmpty) return;
    throw configError(source, this.problems, lineOf);
  }
}

export function configError(
  source: string,
  problems: readonly ConfigProblem[],
  lineOf?: LineLocator,
): MlopsError {
  const lines = problems.map((problem) => {
    const line = lineOf?.(problem.path);
    const where = formatKeyPath(problem.path) + (line === undefined ? '' : ` (line ${line})`);
    return `${where}: expected ${problem.expected}, found ${problem.found}`;
  });
  const message =
    lines.length === 1
      ? `Invalid configuration in ${source}: ${lines[0]}`
      : `Invalid configuration in ${source} (${lines.length} problems):\n  - ${lines.join('\n  - ')}`;
  return new MlopsError('CONFIG_INVALID', message, {
    details: {
      file: source,
      problems: problems.map((problem) => ({
        key: formatKeyPath(problem.path),
        line: lineOf?.(problem.path),
        expected: problem.expected,
        found: problem.found,
      })),
    },
  });
}
