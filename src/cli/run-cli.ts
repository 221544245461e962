import { parseArgs } from 'node:util';
import { loadConfig, parseVarArgs, type LoadConfigOptions } from '../config/load.js';
import { JOB_NAMES, type JobName } from '../config/types.js';
import { MlopsError } from '../errors.js';
import { jobResultToJson } from '../pipeline/result.js';
import { runJob } from '../pipeline/run-job.js';
import { EXIT_OK, EXIT_USAGE, exitCodeForError, exitCodeForResult } from './exit-codes.js';
import { LineReporter } from './human-reporter.js';
import { formatJobSummary } from './summary.js';
import { HELP, RUN_HELP, VERSION } from './help.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
}

/** The whole CLI as a function of its arguments: returns the exit code, never exits. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout(HELP);
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (command === '--version' || command === '-v') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    if (command === 'run') return await runCommand(rest, io);
    if (command === 'config') return await configCommand(rest, io);
    throw new MlopsError('USAGE', `Unknown command "${command}"; try: mlops run pipeline_job (mlops --help lists the commands)`);
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeForError(error);
  }
}

const OPTIONS = {
  target: { type: 'string', short: 't' },
  var: { type: 'string', multiple: true },
  config: { type: 'string', short: 'c' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function parse(args: string[], allowed: readonly (keyof typeof OPTIONS)[]) {
  try {
    const parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    const extra = Object.keys(parsed.values).find((k) => !allowed.includes(k as keyof typeof OPTIONS));
    if (extra) throw new Error(`Unknown option '--${extra}' for this command`);
    return parsed;
  } catch (error) {
    throw new MlopsError('USAGE', `${error instanceof Error ? error.message : String(error)} (mlops --help lists the options)`, { cause: error });
  }
}

function loadOptions(values: { target?: string; var?: string[]; config?: string }, io: CliIo): LoadConfigOptions {
  return {
    cwd: io.cwd,
    env: io.env,
    ...(values.config ? { path: values.config } : {}),
    ...(values.target ? { target: values.target } : {}),
    ...(values.var ? { vars: parseVarArgs(values.var) } : {}),
  };
}

function outputFormat(value: string | undefined): 'json' | 'text' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new MlopsError('USAGE', `-o/--output must be json or text, got "${value}"`);
}

async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, ['target', 'var', 'config', 'output', 'help', 'json', 'quiet']);
  if (values.help) {
    io.stdout(RUN_HELP);
    return EXIT_OK;
  }
  const [job, ...extra] = positionals;
  if (job === undefined) throw new MlopsError('USAGE', `mlops run needs a job name: ${JOB_NAMES.join(', ')}`);
  if (extra.length > 0) throw new MlopsError('USAGE', `Unexpected arguments after the job name: ${extra.join(' ')}`);
  if (!(JOB_NAMES as readonly string[]).includes(job)) {
    throw new MlopsError('USAGE', `Unknown job "${job}"; the jobs are ${JOB_NAMES.join(', ')}`);
  }
  const format = outputFormat(values.output);
  const reporter = new LineReporter(io.stderr, values.quiet === true);
  const result = await runJob({
    job: job as JobName,
    load: loadOptions(values, io),
    ...(values.json !== undefined ? { json: values.json } : {}),
    reporter,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (format === 'json') io.stdout(jobResultToJson(result) + '\n');
  else io.stdout(formatJobSummary(result));
  return exitCodeForResult(result);
}

async function configCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, ['target', 'var', 'config', 'help']);
  const [sub] = positionals;
  if (values.help || sub !== 'show') {
    io.stdout('Usage: mlops config show [--target T] [--var k=v]… [--config FILE]\n\nPrints the resolved configuration of a target as JSON.\n');
    return values.help ? EXIT_OK : EXIT_USAGE;
  }
  const config = await loadConfig(loadOptions(values, io));
  io.stdout(JSON.stringify(config, null, 2) + '\n');
  return EXIT_OK;
}
