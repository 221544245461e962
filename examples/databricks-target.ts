/**
 * The same pipeline on Databricks: the prod target of mlops.yml names the workspace (host,
 * warehouse_id), and credentials come the way the Databricks SDKs find them — DATABRICKS_TOKEN or
 * DATABRICKS_CLIENT_ID/SECRET (OAuth M2M) in the environment, or a ~/.databrickscfg profile.
 * Volumes go through the Files API, tables through the SQL warehouse, the model into Unity Catalog.
 *
 *   DATABRICKS_TOKEN=… node dist-examples/databricks-target.js
 */
import { loadConfig, runPipeline } from 'mlops-e2e';

const config = await loadConfig({ target: 'prod' });
if (config.workspace.type !== 'databricks') throw new Error('the prod target should name a Databricks workspace');
console.log(`workspace ${config.workspace.host} (warehouse ${config.workspace.warehouseId ?? 'none'})`);

const result = await runPipeline({ config });
console.log(`status: ${result.status}`);
console.log(`model:  ${result.model?.uri}`);
console.log(`predictions: ${result.predictions?.rows} rows in ${result.predictions?.table ?? result.predictions?.path}`);
if (result.status !== 'succeeded') process.exitCode = result.status === 'rejected' ? 3 : 1;
