import { readFileSync } from 'node:fs';
import type { CommandEntry } from './io.js';
import { maxOf } from '../arrays.js';

function readVersion(): string {
  // src/cli and dist/cli are both two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export const VERSION = readVersion();

export function helpText(commands: readonly CommandEntry[]): string {
  const width = maxOf(commands.map((c) => c.name.length));
  return `mlops ${VERSION} — an end-to-end MLOps pipeline: ingest → train → evaluate → approve → deploy → batch inference

Usage: mlops <command> [options]     (mlops <command> --help for its options and examples)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Jobs (the reference bundle's names), run with \`mlops run <job>\`:
  data_ingestion_job     source_path → Parquet on a volume (checkpointed: each file once)
  model_training_job     train a tfjs classifier, log it to MLflow, register a version
  model_deployment_job   evaluate → approve → deploy (alias champion) a model_name/model_version
  batch_inference_job    score Parquet with models:/<model_name>@champion into a table
  pipeline_job           all six stages in order

Examples:
  mlops run pipeline_job                              # the dev target: everything under ./.mlops
  mlops run model_training_job --json '{"epochs":"300","hidden_units":"8"}'
  mlops run model_deployment_job --json '{"model_version":"2"}' -o json
  mlops config show --target prod

Exit codes: 0 ok, 1 error, 2 bad usage or configuration, 3 rejected by approval.
Environment: MLFLOW_TRACKING_URI overrides the tracking store; BUNDLE_VAR_<name> sets a variable.
`;
}
