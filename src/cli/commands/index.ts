import type { CommandEntry } from '../io.js';

/** Every top-level command, in the order `mlops --help` lists them. Add new commands here. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', summary: 'run a job: data_ingestion_job, model_training_job, model_deployment_job, batch_inference_job, pipeline_job', load: async () => (await import('./run.js')).runCommand },
  { name: 'ingest', summary: 'show what has been ingested, forget a file, or replay it', load: async () => (await import('./ingest.js')).ingestCommand },
  { name: 'runs', summary: 'list job runs, or show one (stages, params, metrics, how to resume)', load: async () => (await import('./runs.js')).runsCommand },
  { name: 'models', summary: 'list registered models, or show one (versions, aliases, where each version stands)', load: async () => (await import('./models.js')).modelsCommand },
  { name: 'approve', summary: 'record a human approval (or --reject) of a model version', load: async () => (await import('./approve.js')).approveCommand },
  { name: 'rollback', summary: 'give the champion alias back to the previous champion of a model', load: async () => (await import('./rollback.js')).rollbackCommand },
  { name: 'serve', summary: "serve a model over HTTP with MLflow's scoring protocol (/invocations)", load: async () => (await import('./serve.js')).serveCommand },
  { name: 'tracking', summary: 'serve an MLflow-compatible tracking server (mlops tracking serve), or move a file store into SQLite (mlops tracking migrate)', load: async () => (await import('./tracking.js')).trackingCommand },
  { name: 'bundle', summary: 'check a target\'s configuration: host, auth, warehouse, catalog/schema names, paths', load: async () => (await import('./bundle.js')).bundleCommand },
  { name: 'config', summary: 'show the resolved configuration of a target', load: async () => (await import('./config.js')).configCommand },
];
