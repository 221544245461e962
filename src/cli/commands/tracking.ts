import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../errors.js';
import { DEFAULT_MAX_ARTIFACT_BYTES, DEFAULT_MAX_BODY_BYTES, startTrackingServer } from '../../tracking/server/server.js';
import { SqliteConnection } from '../../tracking/sql-store/connection.js';
import { migrateFileStore } from '../../tracking/sql-store/migrate.js';
import { sqlitePathFromUri } from '../../tracking/sql-store/sqlite-uri.js';
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
  'max-body-bytes': { type: 'string' },
  'max-artifact-bytes': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const HELP = `Usage: mlops tracking serve [--root DIR|sqlite:///FILE] [--port N] [--host H] [options]
       mlops tracking migrate <mlruns-folder> sqlite:///<file>

serve: an MLflow-compatible tracking server (MLflow's REST API, model registry, MLflow 3's
logged models and the artifact proxy) over the target's tracking store (an SQLite database in
MLflow's schema, or an mlruns file store), until interrupted (Ctrl-C). Point any MLflow client at
it: MLFLOW_TRACKING_URI=http://127.0.0.1:5000 (mlflow, the mlflow UI's API, mlops itself).

migrate: copies an MLflow file store (every experiment, run, metric history, param, tag,
registered model, version, tag and alias, with their ids) into an SQLite database in MLflow's
schema, as \`mlflow migrate-filestore\` does; artifacts stay where they are.

Options:
      --root DIR      the mlruns folder or sqlite:/// database to serve (default: the target's store, e.g. sqlite:///.mlops/mlflow.db)
  -p, --port N        port to listen on (default 5000; 0 picks a free one)
      --host H        interface to listen on (default 127.0.0.1; the server has no authentication)
      --artifacts-destination DIR
                      where proxied artifacts (mlflow-artifacts:/…) live (default: mlartifacts beside DIR)
      --max-body-bytes N
                      largest API request accepted; larger ones get 413 (default ${DEFAULT_MAX_BODY_BYTES})
      --max-artifact-bytes N
                      largest artifact upload through the proxy (default ${DEFAULT_MAX_ARTIFACT_BYTES})
  -t, --target T      target whose file store is the default root
  -c, --config FILE   use this mlops.yml
  -q, --quiet         no access log on stderr

New experiments get artifact locations under mlflow-artifacts:/, so clients upload through the
server; runs already in the store keep their file:// artifact locations.

Examples:
  mlops tracking serve
  mlops tracking serve --root ./mlruns --port 5050
  mlops tracking migrate .mlops/mlruns sqlite:///.mlops/mlflow.db
  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 mlops run pipeline_job
`;

function parseBytes(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value >= 1)) throw new MlopsError('USAGE', `${name} must be a positive number of bytes, got "${text}"`);
  return value;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 5000;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new MlopsError('USAGE', `--port must be a number from 0 to 65535, got "${text}"`);
  return Number(text);
}

/** The --root, or the target's tracking store when that is a file store. */
async function rootFrom(values: { root?: string | undefined; target?: string | undefined; var?: string[] | undefined; config?: string | undefined }, io: CliIo): Promise<string> {
  if (values.root !== undefined) {
    if (/^sqlite:/i.test(values.root)) {
      const file = sqlitePathFromUri(values.root, io.cwd);
      const kind = await stat(file).then((info) => (info.isFile() ? 'file' : 'folder'), () => 'missing');
      if (kind !== 'file') {
        throw new MlopsError('USAGE', `--root ${values.root}: ${file} ${kind === 'missing' ? 'does not exist' : 'is a folder'}; expected an MLflow SQLite database (e.g. sqlite:///.mlops/mlflow.db)`, { details: { root: file } });
      }
      return `sqlite:///${file}`;
    }
    const root = isAbsolute(values.root) ? values.root : resolve(io.cwd, values.root);
    const kind = await stat(root).then((info) => (info.isDirectory() ? 'folder' : 'file'), () => 'missing');
    if (kind !== 'folder') {
      throw new MlopsError('USAGE', `--root ${root} ${kind === 'missing' ? 'does not exist' : 'is a file'}; expected an MLflow file store folder (an mlruns folder) or sqlite:///FILE`, { details: { root } });
    }
    return root;
  }
  const config = await loadCommandConfig(values, io);
  if (config.trackingUri.startsWith('file:')) return fileURLToPath(config.trackingUri);
  if (config.trackingUri.startsWith('sqlite:')) return `sqlite:///${sqlitePathFromUri(config.trackingUri, config.configDir)}`;
  throw new MlopsError(
    'USAGE',
    `Target "${config.target}" tracks to ${config.trackingUri.replace(/\/\/[^/@]*@/, '//***@')}, not a local store; pass --root DIR (an mlruns folder) or --root sqlite:///FILE`,
  );
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
  const maxBodyBytes = parseBytes('--max-body-bytes', values['max-body-bytes']);
  const maxArtifactBytes = parseBytes('--max-artifact-bytes', values['max-artifact-bytes']);
  const server = await startTrackingServer({
    root,
    port: parsePort(values.port),
    host: values.host ?? '127.0.0.1',
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(maxArtifactBytes === undefined ? {} : { maxArtifactBytes }),
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

async function migrate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' } } as const);
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const [source, target, ...extra] = positionals;
  if (source === undefined || target === undefined || extra.length > 0) {
    throw new MlopsError('USAGE', `mlops tracking migrate takes an mlruns folder and a sqlite:/// URI, got ${positionals.length} argument(s)`);
  }
  if (!/^sqlite:/i.test(target)) throw new MlopsError('USAGE', `The target of mlops tracking migrate must be a sqlite:/// URI, got "${target}"`);
  const mlruns = source.startsWith('file:') ? fileURLToPath(source) : resolve(io.cwd, source);
  const database = sqlitePathFromUri(target, io.cwd);
  const connection = new SqliteConnection(database);
  try {
    const summary = await migrateFileStore({
      mlruns,
      connection,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(values.quiet ? {} : { onProgress: (event) => io.stderr(event.kind === 'experiment' ? `experiment ${event.name}: ${event.runs} run(s)\n` : `model ${event.name}: ${event.versions} version(s)\n`) }),
    });
    io.stdout(
      `migrated ${mlruns} → sqlite:///${database}: ${summary.experiments} experiment(s), ${summary.runs} run(s), ${summary.metrics} metric value(s), ${summary.params} param(s), ` +
        `${summary.tags} tag(s), ${summary.registeredModels} registered model(s), ${summary.modelVersions} version(s), ${summary.aliases} alias(es)\n`,
    );
  } finally {
    connection.close();
  }
  return EXIT_OK;
}

export const trackingCommand: Command = {
  name: 'tracking',
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'serve') return serve(rest, io);
    if (sub === 'migrate') return migrate(rest, io);
    io.stdout(HELP);
    return sub === '--help' || sub === '-h' ? EXIT_OK : EXIT_USAGE;
  },
};
