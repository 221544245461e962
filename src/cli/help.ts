import { readFileSync } from 'node:fs';

function readVersion(): string {
  // src/cli and dist/cli are both two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export const VERSION = readVersion();

export const HELP = `mlops ${VERSION} — an end-to-end MLOps pipeline: ingest → train → evaluate → approve → deploy → batch inference

Usage:
  mlops run <job> [--target T] [--var k=v]… [--json '{…}'] [-o json] [--config FILE] [--quiet]
  mlops config show [--target T] [--var k=v]…
  mlops --help | --version

Jobs (the reference bundle's names):
  data_ingestion_job     source_path → Parquet on a volume (checkpointed: each file once)
  model_training_job     train a tfjs classifier, log it to MLflow, register a version
  model_deployment_job   evaluate → approve → deploy (alias champion) a model_name/model_version
  batch_inference_job    score Parquet with models:/<model_name>@champion into a table
  pipeline_job           all six stages in order

Examples:
  mlops run pipeline_job                              # the dev target: everything under ./.mlops
  mlops run model_training_job --json '{"epochs":"300","hidden_units":"8"}'
  mlops run model_deployment_job --json '{"model_version":"2"}' -o json
  mlops run pipeline_job --var catalog_name=main --target dev

Exit codes: 0 ok, 1 error, 2 bad usage or configuration, 3 rejected by approval.
Environment: MLFLOW_TRACKING_URI overrides the tracking store; BUNDLE_VAR_<name> sets a variable.
`;

export const RUN_HELP = `Usage: mlops run <job> [options]

Runs one job of mlops.yml (found in the current folder, else the bundled defaults).

Options:
  -t, --target T      target from mlops.yml (default: the one marked default: true)
      --var k=v       set a variable (repeatable); beats BUNDLE_VAR_<k>, the target and the default
      --json '{…}'    override job parameters, e.g. '{"model_version":"3"}'
  -c, --config FILE   use this mlops.yml
  -o, --output json   print one JSON object with the result on stdout (progress stays on stderr)
  -q, --quiet         no progress lines, only errors

Examples:
  mlops run data_ingestion_job --json '{"source_path":"./incoming"}'
  mlops run pipeline_job -o json > result.json; echo "exit $?"
`;
