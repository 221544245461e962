import { fileURLToPath } from 'node:url';
import { MLFLOW_REVISION } from './sql-store/mlflow-schema.js';

/**
 * Where the build leaves an empty MLflow tracking database at MLFLOW_REVISION, which new local
 * databases start as a copy of (see openMlflowDatabase): dist/mlflow-schema/<revision>.db under the
 * package root. This module is two folders below the root as src/tracking/schema-template.ts,
 * dist/tracking/schema-template.js and inside the CLI's bundle chunks (dist/cli-chunks/) alike.
 */
export function schemaTemplatePath(revision: string = MLFLOW_REVISION): string {
  return fileURLToPath(new URL(`../../dist/mlflow-schema/${revision}.db`, import.meta.url));
}
