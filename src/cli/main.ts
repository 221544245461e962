#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation: V8's default lets the semi-spaces grow to 16 MB each, which on a short
// run is ~30 MB of peak RSS spent on garbage that a 2 MB nursery collects as well (pipeline_job on
// Iris: 165 → 128 MB peak RSS, same CPU time). Big arrays (scoring batches) live outside it.
import { runCli } from './run-cli.js';

// The only place that touches the process: arguments in, exit code out.
const controller = new AbortController();
// SIGTERM too: containers and job schedulers stop processes with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort(new Error(`interrupted (${signal})`)));
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
