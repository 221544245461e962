import { loadDatabricksConfig } from '../../workspace/databricks/auth-config.js';
import { openDatabricksWorkspace } from '../../workspace/databricks/workspace.js';
import { validateBundle, type AuthOutcome, type BundleCheck } from '../../workspace/databricks/validate-bundle.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { loadCommandConfig } from '../context.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { Command } from '../io.js';
import { pushAll } from '../../arrays.js';
import { sparkEngineFor } from '../../engine/spark-engine.js';
import type { ResolvedConfig } from '../../config/types.js';

const OPTIONS = { ...CONFIG_OPTIONS, ...OUTPUT_OPTION, online: { type: 'boolean' } } as const;
const MARK = { ok: '✓', warning: '!', error: '✗' } as const;

export const bundleCommand: Command = {
  name: 'bundle',
  help: `Usage: mlops bundle validate [--target T] [--online] [--var k=v]… [--config FILE] [-o json]

Checks mlops.yml for a target the way \`databricks bundle validate\` does, offline:
the workspace host, that credentials are configured (explicit > DATABRICKS_* environment >
~/.databrickscfg profile; secrets are never printed), the SQL warehouse id, catalog and schema
names, volume paths, model names and experiment paths. --online also asks the workspace who
the credentials belong to and whether the warehouse exists. A target with a Spark engine
(engine: { spark: sc://host:port | databricks }, SPARK_REMOTE overriding) is always connected
to, and its Spark version reported.

Examples:
  mlops bundle validate
  mlops bundle validate --target prod
  SPARK_REMOTE=sc://localhost:15002 mlops bundle validate --target spark
  DATABRICKS_CONFIG_PROFILE=hp-mlops mlops bundle validate -t prod --online -o json

Exit codes: 0 valid (warnings allowed), 2 something must be fixed.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    if (values.help || positionals[0] !== 'validate' || positionals.length > 1) {
      io.stdout(this.help);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    const config = await loadCommandConfig(values, io);
    let auth: AuthOutcome | undefined;
    const ws = config.workspace;
    if (ws.type === 'databricks') {
      const explicit = { ...(ws.host ? { host: ws.host } : {}), ...(ws.profile ? { profile: ws.profile } : {}), ...(ws.warehouseId ? { warehouseId: ws.warehouseId } : {}) };
      try {
        auth = { config: await loadDatabricksConfig(explicit, { env: io.env }) };
      } catch (error) {
        auth = { error: error as Error };
      }
    }
    const checks = validateBundle(config, auth);
    if (config.engine !== undefined) checks.push(await sparkCheck(config, io.env, io.signal));
    if (values.online && ws.type === 'databricks' && auth !== undefined && 'config' in auth) pushAll(checks, await onlineChecks(ws, io.env, io.signal));
    const errors = checks.filter((check) => check.status === 'error').length;
    if (outputFormat(values.output) === 'json') {
      io.stdout(`${JSON.stringify({ target: config.target, valid: errors === 0, checks }, null, 2)}\n`);
    } else {
      io.stdout(`Target ${config.target} (${ws.type === 'local' ? 'local' : 'Databricks'}):\n`);
      for (const check of checks) io.stdout(`  ${MARK[check.status]} ${check.subject}: ${check.message}\n`);
      io.stdout(errors === 0 ? 'Validation OK\n' : `Found ${errors} error(s)\n`);
    }
    return errors === 0 ? EXIT_OK : EXIT_USAGE;
  },
};

async function onlineChecks(
  ws: { host?: string; profile?: string; warehouseId?: string },
  env: Record<string, string | undefined>,
  signal: AbortSignal | undefined,
): Promise<BundleCheck[]> {
  const checks: BundleCheck[] = [];
  const workspace = await openDatabricksWorkspace({ ...(ws.host ? { host: ws.host } : {}), ...(ws.profile ? { profile: ws.profile } : {}), ...(ws.warehouseId ? { warehouseId: ws.warehouseId } : {}) }, { env });
  const call = signal ? { signal } : {};
  try {
    const me = await workspace.identity.me(call);
    checks.push({ subject: 'auth (online)', status: 'ok', message: `authenticated as ${me.userName}` });
  } catch (error) {
    checks.push({ subject: 'auth (online)', status: 'error', message: (error as Error).message });
    return checks;
  }
  if (workspace.warehouseId !== undefined) {
    try {
      const warehouse = await workspace.client.json<{ name?: string; state?: string }>('GET', `/api/2.0/sql/warehouses/${encodeURIComponent(workspace.warehouseId)}`, call);
      checks.push({ subject: 'warehouse_id (online)', status: 'ok', message: `${warehouse.name ?? workspace.warehouseId} is ${warehouse.state ?? 'known'}` });
    } catch (error) {
      checks.push({ subject: 'warehouse_id (online)', status: 'error', message: (error as Error).message });
    }
  }
  return checks;
}

/** Connects to the target's Spark engine and reports its version; an error naming the URL when it cannot. */
async function sparkCheck(config: ResolvedConfig, env: Record<string, string | undefined>, signal: AbortSignal | undefined): Promise<BundleCheck> {
  const engine = sparkEngineFor(config, env)!;
  const from = config.engine?.remoteFrom === 'SPARK_REMOTE' ? ' (from SPARK_REMOTE)' : '';
  try {
    const session = await engine.session(signal ? { signal } : {});
    const catalog = config.engine?.sessionCatalog === undefined ? 'three-level names as given' : `catalogs mapped to ${config.engine.sessionCatalog}`;
    return { subject: 'engine.spark', status: 'ok', message: `Spark ${session.version} at ${engine.remote}${from}; ${catalog}` };
  } catch (error) {
    const message = (error as Error).message;
    return { subject: 'engine.spark', status: 'error', message: message.includes(engine.remote) ? message : `Spark at ${engine.remote}${from}: ${message}` };
  } finally {
    await engine.stop();
  }
}
