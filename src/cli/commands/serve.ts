import { MlopsError } from '../../errors.js';
import { ModelSource } from '../../serve/model-source.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS, defaultScoringWorkers, startScoringServer } from '../../serve/server.js';
import { CONFIG_OPTIONS, parseCommandArgs } from '../args.js';
import { openCommandWorkspace } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { VERSION } from '../help.js';
import { LineReporter } from '../human-reporter.js';
import type { Command } from '../io.js';

const OPTIONS = {
  ...CONFIG_OPTIONS,
  port: { type: 'string', short: 'p' },
  host: { type: 'string', short: 'H' },
  'max-body-bytes': { type: 'string' },
  'max-rows': { type: 'string' },
  workers: { type: 'string' },
} as const;

export const serveCommand: Command = {
  name: 'serve',
  help: `Usage: mlops serve <model-uri> [--port N] [--host H] [--max-body-bytes N] [--max-rows N] [--workers N] [--target T] [--config FILE]

Serves a model like \`mlflow models serve\`: GET /ping, /health, /version; POST /invocations
with JSON (dataframe_split, dataframe_records, instances or inputs) or text/csv, answering
{"predictions": [{"prediction": …, "probability_<label>": …}, …]}; POST /reload re-resolves an
alias URI (after a deployment or rollback) and swaps the new version in. Inputs are checked
against the model's signature; errors are JSON with an MLflow error_code. Runs until Ctrl+C,
then lets requests in flight finish.

<model-uri>: models:/<name>@<alias>, models:/<name>/<version>, models:/<name>/latest,
runs:/<run_id>/model (resolved in the target's workspace), or a local model directory.

Options:
  -p, --port N            port (default 5000; 0 picks a free one)
  -H, --host H            address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for all)
      --max-body-bytes N  largest request accepted (default ${DEFAULT_MAX_BODY_BYTES}); larger: 413
      --max-rows N        most rows one request may score (default ${DEFAULT_MAX_ROWS}); more: 413
      --workers N         threads that parse and score requests (default ${defaultScoringWorkers()} here: cores − 1, 1 to 4)
  -t, --target T          target whose workspace resolves models:/ and runs:/ URIs
  -c, --config FILE       use this mlops.yml

Examples:
  mlops serve models:/hp_az_catalog.hp_iris_ml.irisclassifierdemo@champion
  curl -s localhost:5000/invocations -H 'content-type: application/json' \\
    -d '{"dataframe_split": {"columns": ["sepal_length","sepal_width","petal_length","petal_width"], "data": [[5.1,3.5,1.4,0.2]]}}'
  curl -s -X POST localhost:5000/reload
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      io.stdout(this.help);
      return EXIT_OK;
    }
    const [uri, ...extra] = positionals;
    if (uri === undefined || extra.length > 0) throw new MlopsError('USAGE', 'mlops serve needs exactly one model URI, e.g. mlops serve models:/main.iris.model@champion');
    const port = integerOption('--port', values.port, 5000, 0, 65535);
    const maxBodyBytes = integerOption('--max-body-bytes', values['max-body-bytes'], DEFAULT_MAX_BODY_BYTES, 1, Number.MAX_SAFE_INTEGER);
    const maxRows = integerOption('--max-rows', values['max-rows'], DEFAULT_MAX_ROWS, 1, Number.MAX_SAFE_INTEGER);
    const scoringWorkers = integerOption('--workers', values.workers, defaultScoringWorkers(), 1, 64);
    const needsWorkspace = /^(runs|models):\//.test(uri);
    const workspace = needsWorkspace ? (await openCommandWorkspace(values, io, { access: 'read', subject: `Model ${uri}` })).workspace : undefined;
    const server = await startScoringServer({
      source: new ModelSource(uri, workspace, { baseDir: io.cwd }),
      host: values.host ?? '127.0.0.1',
      port,
      maxBodyBytes,
      maxRows,
      scoringWorkers,
      version: VERSION,
      reporter: new LineReporter(io.stderr),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    io.stderr(`Listening on ${server.url} — Ctrl+C stops the server after the requests in flight.\n`);
    await new Promise<void>((resolve) => {
      if (io.signal?.aborted) resolve();
      io.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return EXIT_OK;
  },
};

function integerOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) throw new MlopsError('USAGE', `${name} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}
