import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../errors.js';
import { startTrackingServer } from '../../tracking/server/server.js';
import { CONFIG_OPTIONS, parseCommandArgs } from '../args.js';
import { loadCommandConfig } from '../context.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo, Command } from '../io.js';

const OPTIONS = {
  ...CONFIG_OPTIONS,
  root: { type: 'string' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'artifacts-destination': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const HELP = `Usage: mlops tracking serve [--root DIR] [--port N] [--host H] [options]

Serves an MLflow-compatible tracking server (MLflow 2.12's REST API, model registry and
artifact proxy) over an MLflow file store, until interrupted (Ctrl-C). Point any MLflow client
at it: MLFLOW_TRACKING_URI=http://127.0.0.1:5000 (mlflow, the mlflow UI's API, mlops itself).

Options:
      --root DIR      the mlruns folder to serve (default: the target's file store, e.g. .mlops/mlruns)
  -p, --port N        port to listen on (default 5000; 0 picks a free one)
      --host H        interface to listen on (default 127.0.0.1; the server has no authentication)
      --artifacts-destination DIR
                      where proxied artifacts (mlflow-artifacts:/…) live (default: mlartifacts beside DIR)
  -t, --target T      target whose file store is the default root
  -c, --config FILE   use this mlops.yml
  -q, --quiet         no access log on stderr

New experiments get artifact locations under mlflow-artifacts:/, so clients upload through the
server; runs already in the store keep their file:// artifact locations.

Examples:
  mlops tracking serve
  mlops tracking serve --root ./mlruns --port 5050
  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 mlops run pipeline_job
`;

function parsePort(text: string | undefined): number {
  if (text === undefined) return 5000;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new MlopsError('USAGE', `--port must be a number from 0 to 65535, got "${text}"`);
  return Number(text);
}

/** The --root, or the target's tracking store when that is a file store. */
async function rootFrom(values: { root?: string | undefined; target?: string | undefined; var?: string[] | undefined; config?: string | undefined }, io: CliIo): Promise<string> {
  if (values.root !== undefined) {
    const root = isAbsolute(values.root) ? values.root : resolve(io.cwd, values.root);
    const kind = await stat(root).then((info) => (info.isDirectory() ? 'folder' : 'file'), () => 'missing');
    if (kind !== 'folder') {
      throw new MlopsError('USAGE', `--root ${root} ${kind === 'missing' ? 'does not exist' : 'is a file'}; expected an MLflow file store folder (an mlruns folder, e.g. .mlops/mlruns)`, { details: { root } });
    }
    return root;
  }
  const config = await loadCommandConfig(values, io);
  if (config.trackingUri.startsWith('file:')) return fileURLToPath(config.trackingUri);
  throw new MlopsError('USAGE', `Target "${config.target}" tracks to ${config.trackingUri.replace(/\/\/[^/@]*@/, '//***@')}, not a file store; pass --root DIR to serve an mlruns folder`);
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveWait) => {
    if (signal === undefined) return; // runs until the process ends
    if (signal.aborted) resolveWait();
    else signal.addEventListener('abort', () => resolveWait(), { once: true });
  });
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new MlopsError('USAGE', `Unexpected arguments: ${positionals.join(' ')} (mlops tracking serve --help)`);
  const root = await rootFrom(values, io);
  const artifacts = values['artifacts-destination'];
  const server = await startTrackingServer({
    root,
    port: parsePort(values.port),
    host: values.host ?? '127.0.0.1',
    ...(artifacts === undefined ? {} : { artifactsDestination: isAbsolute(artifacts) ? artifacts : resolve(io.cwd, artifacts) }),
    ...(values.quiet ? {} : { onRequest: (event) => io.stderr(`${event.method} ${event.path} ${event.status} ${event.durationMs} ms\n`) }),
    onCorrupt: (error) => io.stderr(`warning: skipped ${error.message}\n`),
  });
  io.stderr(`MLflow tracking server over ${root} (artifacts in ${server.artifactsDestination})\nlistening on ${server.url} — Ctrl-C stops it\n`);
  io.stdout(`${server.url}\n`);
  await waitForAbort(io.signal);
  await server.close();
  io.stderr('tracking server stopped\n');
  return EXIT_OK;
}

export const trackingCommand: Command = {
  name: 'tracking',
  summary: 'serve an MLflow-compatible tracking server over a file store (mlops tracking serve)',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'serve') return serve(rest, io);
    io.stdout(HELP);
    return sub === '--help' || sub === '-h' ? EXIT_OK : EXIT_USAGE;
  },
};
