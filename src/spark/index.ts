/**
 * A Spark Connect client: SparkSession, DataFrames, Arrow results, Databricks Connect.
 * Also published as the subpath export `mlops-e2e/spark`.
 */
export { SparkSession, SparkSessionBuilder, type GetOrCreateOptions } from './session.js';
export { DataFrame, GroupedData, type Row, type JoinType, type ExplainMode } from './dataframe.js';
export { DataFrameReader } from './reader.js';
export { DataFrameWriter, type SaveMode } from './writer.js';
export { Catalog, type CatalogTable } from './catalog.js';
export { RuntimeConfig } from './conf.js';
export { Column, col, column, lit, expr, type ColumnOrName, type ColumnOrValue, type LiteralValue } from './column.js';
export * as functions from './functions.js';
export { SparkConnectError } from './errors.js';
export { SparkConnectClient, type SparkCredentials, type CallOptions as SparkCallOptions } from './client.js';
export { executePlan, type ExecuteOptions } from './execute.js';
export { parseConnectionString, redactConnectionString, DEFAULT_SPARK_CONNECT_PORT, type SparkConnectionString } from './connection-string.js';
export { DEFAULT_SPARK_RETRY_POLICY, isRetryableSparkError, sparkRetryDelay, type SparkRetryPolicy } from './retry-policy.js';
export { resolveDatabricksConnect, type DatabricksConnectOptions, type DatabricksConnectTarget } from './databricks.js';
export type { StructType, StructField } from './types.js';
