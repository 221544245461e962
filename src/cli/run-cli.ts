import { MlopsError } from '../errors.js';
import { prefetchParquetWasm } from '../io/parquet-wasm-module.js';
import { COMMANDS } from './commands/index.js';
import { EXIT_OK, EXIT_USAGE, exitCodeForError } from './exit-codes.js';
import { helpText, VERSION } from './help.js';
import type { CliIo } from './io.js';

export type { CliIo, Command, CommandEntry } from './io.js';

/** The whole CLI as a function of its arguments: returns the exit code, never exits. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.stdout(helpText(COMMANDS));
      return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new MlopsError('USAGE', `Unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')} (mlops --help shows examples)`);
    }
    // Every command's modules reach Parquet (the workspace's tables): compile parquet-wasm on V8's
    // background threads while the command's modules load, instead of on this thread afterwards.
    prefetchParquetWasm();
    return await (await command.load()).run(rest, io);
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    const hint = error instanceof MlopsError ? (error.details?.hint as string | undefined) : undefined;
    if (hint) io.stderr(`hint: ${hint}\n`);
    return exitCodeForError(error, io.signal);
  }
}
