import { appendFileSync } from 'node:fs';

/**
 * When MLOPS_ROUTE_LOG names a file, the servers our clients talk to in tests (the fake Databricks
 * workspace, our tracking server) append one JSON line per request they receive: which server, the
 * method and the path. test/interop/routes/ runs client suites with it set and checks every request
 * against the routes in MLflow's protos and databricks-sdk. Unset (npm test), it does nothing.
 */
export function logRoute(server: 'databricks' | 'tracking', method: string, path: string): void {
  const file = process.env.MLOPS_ROUTE_LOG;
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify({ server, method, path })}\n`);
}
