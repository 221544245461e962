import { parseArgs, type ParseArgsConfig } from 'node:util';

type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;
import { parseVarArgs, type LoadConfigOptions } from '../config/load.js';
import { MlopsError } from '../errors.js';
import type { CliIo } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command that reads mlops.yml understands. */
export const CONFIG_OPTIONS = {
  target: { type: 'string', short: 't' },
  var: { type: 'string', multiple: true },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const OUTPUT_OPTION = { output: { type: 'string', short: 'o' } } as const satisfies Options;

/** node:util parseArgs with our error type: a bad option is a USAGE error (exit 2). */
export function parseCommandArgs<T extends Options>(args: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new MlopsError('USAGE', `${error instanceof Error ? error.message : String(error)} (--help lists the options)`, { cause: error });
  }
}

export function loadOptionsFrom(values: { target?: string | undefined; var?: string[] | undefined; config?: string | undefined }, io: CliIo): LoadConfigOptions {
  return {
    cwd: io.cwd,
    env: io.env,
    ...(values.config ? { path: values.config } : {}),
    ...(values.target ? { target: values.target } : {}),
    ...(values.var ? { vars: parseVarArgs(values.var) } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    onNotice: (message) => io.stderr(`notice: ${message}\n`),
  };
}

export function outputFormat(value: string | undefined): 'json' | 'text' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new MlopsError('USAGE', `-o/--output must be json or text, got "${value}"`);
}
