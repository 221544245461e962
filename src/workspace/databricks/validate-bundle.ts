import type { JobName, ResolvedConfig } from '../../config/types.js';
import { JOB_NAMES } from '../../config/types.js';
import { describeConfig, type ResolvedDatabricksConfig } from './auth-config.js';

export type CheckStatus = 'ok' | 'warning' | 'error';

export interface BundleCheck {
  /** What was checked, e.g. `host`, `auth`, `warehouse_id`, `catalog_name`, `experiment_path (model_training_job)`. */
  subject: string;
  status: CheckStatus;
  message: string;
}

/** The outcome of resolving credentials: the configuration, or why it could not be resolved. */
export type AuthOutcome = { config: ResolvedDatabricksConfig } | { error: Error };

// Unity Catalog names: letters, digits and underscores work unquoted everywhere (SQL, paths, API).
const UC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WAREHOUSE_ID = /^[0-9a-f]{16}$/;

/**
 * Offline checks of a resolved target for Databricks: host, credentials, warehouse, catalog and
 * schema names, the volume paths and model names that use them, and experiment paths. Pure: the
 * caller resolves the credentials (which reads ~/.databrickscfg) and passes the outcome in.
 */
export function validateBundle(config: ResolvedConfig, auth: AuthOutcome | undefined): BundleCheck[] {
  const checks: BundleCheck[] = [];
  const add = (subject: string, status: CheckStatus, message: string): void => {
    checks.push({ subject, status, message });
  };
  const workspace = config.workspace;
  if (workspace.type === 'local') {
    add('workspace', 'ok', `target ${config.target} runs locally in ${workspace.root}`);
  } else {
    if (auth === undefined || 'error' in auth) {
      add('auth', 'error', auth === undefined ? 'credentials were not resolved' : auth.error.message);
    } else {
      const resolved = auth.config;
      const hostSource = resolved.sources.host ?? 'explicit';
      const url = new URL(resolved.host);
      const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '::1';
      if (url.protocol === 'http:' && !loopback) add('host', 'error', `${resolved.host} (${hostSource}) must use https://`);
      else if (!loopback && !/\.(azuredatabricks\.net|cloud\.databricks\.com|gcp\.databricks\.com|databricks\.azure\.cn)$/.test(url.hostname)) {
        add('host', 'warning', `${resolved.host} (${hostSource}) is not a usual Databricks workspace domain; check it is the workspace URL`);
      } else add('host', 'ok', `${resolved.host} (${hostSource})`);
      const credentialSource = resolved.authType === 'pat' ? resolved.sources.token : resolved.sources.clientSecret;
      add('auth', 'ok', `${resolved.authType === 'pat' ? 'personal access token' : 'OAuth M2M service principal'} from ${credentialSource ?? 'explicit'} (${describeConfig(resolved)})`);
    }
    const warehouseId = workspace.warehouseId ?? (auth !== undefined && 'config' in auth ? auth.config.warehouseId : undefined);
    if (warehouseId === undefined || warehouseId === '') {
      add('warehouse_id', 'error', 'no SQL warehouse: tables and batch_inference_job need one; set workspace.warehouse_id in the target (SQL Warehouses → Connection details)');
    } else if (!WAREHOUSE_ID.test(warehouseId)) {
      add('warehouse_id', 'warning', `${warehouseId} does not look like a warehouse id (16 hexadecimal characters)`);
    } else add('warehouse_id', 'ok', warehouseId);
  }

  for (const variable of ['catalog_name', 'schema_name']) {
    const value = config.variables[variable];
    if (value === undefined) continue;
    if (UC_NAME.test(value)) add(variable, 'ok', value);
    else add(variable, 'error', `${JSON.stringify(value)} is not a plain Unity Catalog name (letters, digits and _, not starting with a digit)`);
  }

  for (const job of JOB_NAMES) {
    const parameters = config.jobs[job].parameters;
    checkModelName(job, parameters.model_name, add);
    for (const key of ['volume_path', 'checkpoint_path', 'data_path', 'input_path']) {
      const value = parameters[key];
      if (value === undefined || value === '') continue;
      // data_path and input_path may name a table instead (on a Spark target, the ingested table).
      if ((key === 'data_path' || key === 'input_path') && isPlainTableName(value)) continue;
      checkVolumePath(`${key} (${job})`, value, add);
    }
    for (const key of ['input_table', 'ingested_table']) {
      const value = parameters[key];
      if (value !== undefined && value !== '' && !isPlainTableName(value)) add(`${key} (${job})`, 'error', `${JSON.stringify(value)} must be a table <catalog>.<schema>.<table> of plain names`);
    }
    const experiment = parameters.experiment_path;
    if (experiment !== undefined && experiment !== '') checkExperimentPath(`experiment_path (${job})`, experiment, workspace.type === 'databricks', add);
    const table = parameters.output_table;
    if (table !== undefined && table !== '' && !parameters.output_path) {
      const parts = table.split('.');
      if (!(parts.length === 1 || parts.length === 3) || !parts.every((p) => UC_NAME.test(p))) {
        add(`output_table (${job})`, 'error', `${JSON.stringify(table)} must be a table name or <catalog>.<schema>.<table> of plain names`);
      }
    }
  }
  return dedupe(checks);
}

function isPlainTableName(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 3 && parts.every((part) => UC_NAME.test(part));
}

function checkModelName(job: JobName, name: string | undefined, add: (s: string, st: CheckStatus, m: string) => void): void {
  if (name === undefined || name === '') return;
  const parts = name.split('.');
  if (parts.length !== 3 || !parts.every((part) => UC_NAME.test(part))) {
    add(`model_name (${job})`, 'error', `${JSON.stringify(name)} must be a Unity Catalog model name <catalog>.<schema>.<model>`);
  }
}

function checkVolumePath(subject: string, value: string, add: (s: string, st: CheckStatus, m: string) => void): void {
  const match = /^\/Volumes\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)?$/.exec(value);
  if (match === null) {
    add(subject, 'error', `${JSON.stringify(value)} is not a volume path /Volumes/<catalog>/<schema>/<volume>/…`);
  } else if (![match[1]!, match[2]!, match[3]!].every((part) => UC_NAME.test(part))) {
    add(subject, 'error', `${JSON.stringify(value)}: catalog, schema and volume must be plain names`);
  } else if ((match[4] ?? '').split('/').some((segment) => segment === '..' || segment === '.')) {
    add(subject, 'error', `${JSON.stringify(value)} must not contain . or .. segments`);
  }
}

function checkExperimentPath(subject: string, value: string, databricks: boolean, add: (s: string, st: CheckStatus, m: string) => void): void {
  if (!databricks) return;
  if (!value.startsWith('/')) {
    add(subject, 'ok', `${value} (relative: created under /Users/<you>/)`);
    return;
  }
  if (/^\/(Volumes|dbfs)\b/i.test(value) || value.split('/').some((s) => s === '..' || s === '.') || value.endsWith('/')) {
    add(subject, 'error', `${JSON.stringify(value)} must be a workspace folder path such as /Users/<you>/name or /Shared/name`);
  } else if (!/^\/(Users|Shared|Workspace|Repos)\//.test(value)) {
    add(subject, 'warning', `${value} is outside /Users, /Shared and /Workspace; the workspace may refuse to create it`);
  } else add(subject, 'ok', value);
}

/** The same finding for several jobs is reported once, for the first job. */
function dedupe(checks: BundleCheck[]): BundleCheck[] {
  const seen = new Set<string>();
  return checks.filter((check) => {
    const key = `${check.subject.replace(/ \(.*\)$/, '')}|${check.status}|${check.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
