import type { EngineConfig } from './types.js';
import { checkKeys, readMapping, readString } from './fields.js';
import type { KeyPath, ProblemList } from './problems.js';

/** A target's `engine:` block as written, before interpolation. */
export interface RawEngine {
  /** `sc://host:port[/;params]`, or `databricks`. */
  spark: string;
  /** A session catalog name, or `none`; absent: the default for the remote. */
  sessionCatalog?: string;
}

const ENGINE_KEYS = ['spark', 'session_catalog'];

/** The catalog a three-level name's first part maps to on a Spark without Unity Catalog. */
export const DEFAULT_SESSION_CATALOG = 'spark_catalog';

export function readEngine(value: unknown, path: KeyPath, problems: ProblemList): RawEngine | undefined {
  const mapping = readMapping(value, path, problems, 'a mapping with spark (sc://host:port or databricks) and optional session_catalog');
  if (!mapping) return undefined;
  checkKeys(mapping, ENGINE_KEYS, path, problems);
  if (mapping.spark === undefined) {
    problems.add([...path, 'spark'], 'a Spark Connect URL (sc://host:port) or databricks', 'nothing');
    return undefined;
  }
  const spark = readString(mapping.spark, [...path, 'spark'], problems);
  if (spark === undefined) return undefined;
  const engine: RawEngine = { spark };
  if (mapping.session_catalog !== undefined) {
    const catalog = readString(mapping.session_catalog, [...path, 'session_catalog'], problems);
    if (catalog !== undefined) engine.sessionCatalog = catalog;
  }
  return engine;
}

/**
 * The engine after interpolation: SPARK_REMOTE (when set and not empty) replaces the target's
 * `spark`, as in PySpark. A `sc://` remote maps catalog names to the session catalog
 * (spark_catalog) unless session_catalog says otherwise (`none` keeps three-level names, for a
 * Spark with Unity Catalog); `databricks` keeps them unless session_catalog names one.
 */
export function resolveEngine(
  raw: RawEngine,
  path: KeyPath,
  expand: (text: string, path: KeyPath) => string,
  env: Record<string, string | undefined>,
  problems: ProblemList,
): EngineConfig | undefined {
  const fromEnv = env.SPARK_REMOTE?.trim();
  const spark = fromEnv ? fromEnv : expand(raw.spark, [...path, 'spark']).trim();
  const sparkPath = fromEnv ? ['SPARK_REMOTE (environment)'] : [...path, 'spark'];
  const named = raw.sessionCatalog === undefined ? undefined : expand(raw.sessionCatalog, [...path, 'session_catalog']).trim();
  if (named !== undefined && named !== 'none' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(named)) {
    problems.add([...path, 'session_catalog'], 'a catalog name (letters, digits, _) or none', JSON.stringify(named));
    return undefined;
  }
  const sessionCatalog = (fallback: string | undefined): string | undefined => (named === undefined ? fallback : named === 'none' ? undefined : named);
  if (spark === 'databricks') {
    const catalog = sessionCatalog(undefined);
    return { spark: { databricks: true }, ...(catalog === undefined ? {} : { sessionCatalog: catalog }), remoteFrom: fromEnv ? 'SPARK_REMOTE' : 'target' };
  }
  if (!/^sc:\/\/[^/:;]+(:\d+)?(\/.*)?$/.test(spark)) {
    problems.add(sparkPath, 'a Spark Connect URL sc://host[:port][/;param=value…] or databricks', JSON.stringify(spark.replace(/token=[^;]*/gi, 'token=***')));
    return undefined;
  }
  const catalog = sessionCatalog(DEFAULT_SESSION_CATALOG);
  return { spark: { remote: spark }, ...(catalog === undefined ? {} : { sessionCatalog: catalog }), remoteFrom: fromEnv ? 'SPARK_REMOTE' : 'target' };
}
