/** What a CLI command may touch: injected so commands are testable without a process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
  /** True when stderr is a terminal (progress may redraw lines). */
  isTTY?: boolean;
}

/** One top-level command (`mlops <name> …`); subcommands are parsed by the command itself. */
export interface Command {
  name: string;
  /** Full help with examples, printed by `mlops <name> --help`. */
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * A command as `mlops --help` lists it. Its module is imported only when it runs, so that a command
 * loads what it needs and no more (`mlops run` need not load the tracking server or the Spark client).
 */
export interface CommandEntry {
  name: string;
  /** One line for `mlops --help`. */
  summary: string;
  load(): Promise<Command>;
}
