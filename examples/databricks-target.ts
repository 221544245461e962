/**
 * The same pipeline on Databricks: the prod target of mlops.yml names the workspace (host,
 * warehouse_id), and credentials come the way the Databricks SDKs find them — DATABRICKS_TOKEN or
 * DATABRICKS_CLIENT_ID/SECRET (OAuth M2M) in the environment, or a ~/.databrickscfg profile.
 * Volumes go through the Files API, tables through the SQL warehouse, the model into Unity Catalog.
 *
 *   DATABRICKS_TOKEN=… node dist-examples/databricks-target.js
 */
import { isMlopsError, loadConfig, runPipeline } from 'mlops-e2e';

try {
  const config = await loadConfig({ target: 'prod' });
  if (config.workspace.type !== 'databricks') throw new Error('the prod target should name a Databricks workspace');
  console.log(`workspace ${config.workspace.host} (warehouse ${config.workspace.warehouseId ?? 'none'})`);

  const result = await runPipeline({ config });
  console.log(`status: ${result.status}`);
  console.log(`model:  ${result.model?.uri}`);
  console.log(`predictions: ${result.predictions?.rows} rows in ${result.predictions?.table ?? result.predictions?.path}`);
  if (result.status !== 'succeeded') process.exitCode = result.status === 'rejected' ? 3 : 1;
} catch (error) {
  // What is missing (host, credentials, a reachable workspace), said without a stack trace.
  if (!isMlopsError(error)) throw error;
  const hint = (error.details as { hint?: unknown } | undefined)?.hint;
  console.error(`databricks-target: ${error.message}${typeof hint === 'string' ? `\n  hint: ${hint}` : ''}`);
  console.error('  This example needs a reachable Databricks workspace: set workspace.host in mlops.yml (target prod) or DATABRICKS_HOST, and DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID/_SECRET).');
  process.exitCode = 2;
}
