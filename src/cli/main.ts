#!/usr/bin/env -S node --max-semi-space-size=2 --wasm-lazy-validation
// A small young generation: V8's default lets the semi-spaces grow to 16 MB each, which on a short
// run is ~30 MB of peak RSS spent on garbage that a 2 MB nursery collects as well (pipeline_job on
// Iris: 165 → 128 MB peak RSS, same CPU time). Big arrays (scoring batches) live outside it.
// Lazy wasm validation: V8 already compiles each WebAssembly function on its first call; with this
// it also validates it then, instead of validating all of parquet-wasm's 5 MB while compiling it
// (35–50 ms → 10 ms). The modules that import Parquet wait for that compilation (a top-level await
// in io/parquet-wasm.ts), so a cold `mlops run` no longer sits idle ~40 ms while its modules load.
import { EXIT_INTERRUPTED, EXIT_TERMINATED, interruptionReason } from './exit-codes.js';
import { runCli } from './run-cli.js';

// The only place that touches the process: arguments in, exit code out.
const controller = new AbortController();
// SIGTERM too: containers and job schedulers stop processes with it. The first signal asks the
// running stage to stop (the run is recorded as cancelled, the lock released); a second one exits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!controller.signal.aborted) {
      process.stderr.write(`\n${signal}: stopping — the run is recorded as cancelled (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again exits at once)\n`);
      controller.abort(interruptionReason(signal));
      return;
    }
    process.stderr.write(`\n${signal} again: exiting now without recording the end of the run (mlops runs list shows it as killed)\n`);
    process.exit(signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED);
  });
}
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  // A live progress line only on a real terminal, never in CI logs.
  isTTY: process.stderr.isTTY === true && !process.env.CI,
  signal: controller.signal,
});
process.exitCode = code;
// After a signal, runCli returns once the run is recorded as cancelled and the workspace lock is
// released: exit now. Waiting for the event loop to drain instead waited for what the signal cut
// short — a part file's write or fsync still running on libuv's thread pool, the removal of its
// temporary file queued behind it — 150–450 ms on a busy machine, for nothing the run needs
// (leftover temporary files are ignored and cleaned up by the next write).
if (controller.signal.aborted) process.exit(code);
