import path from 'node:path';
import { MlopsError } from '../../errors.js';

/** A Unity Catalog volume path split into its parts: /Volumes/<catalog>/<schema>/<volume>/<rest...> */
export interface VolumePathParts {
  catalog: string;
  schema: string;
  volume: string;
  /** Path segments below the volume; empty for the volume itself. */
  rest: string[];
}

const VOLUMES_PREFIX = '/Volumes/';

/**
 * Validates and splits a volume path. A trailing slash is ignored; empty, `.` and `..` segments are
 * rejected so that a path can never reach outside its volume once mapped onto a local folder.
 */
export function parseVolumePath(volumePath: string): VolumePathParts {
  if (typeof volumePath !== 'string' || !volumePath.startsWith(VOLUMES_PREFIX)) {
    throw invalidVolumePath(volumePath, 'it does not start with /Volumes/');
  }
  const trimmed = volumePath.endsWith('/') ? volumePath.slice(0, -1) : volumePath;
  const segments = trimmed.slice(VOLUMES_PREFIX.length).split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') {
      throw invalidVolumePath(volumePath, `it contains a "${segment}" segment; volume paths must not leave their folder`);
    }
    if (segment === '') throw invalidVolumePath(volumePath, 'it contains an empty segment (//)');
    if (segment.includes('\\') || segment.includes('\0')) {
      throw invalidVolumePath(volumePath, 'it contains a backslash or NUL character');
    }
  }
  const [catalog, schema, volume, ...rest] = segments;
  if (catalog === undefined || schema === undefined || volume === undefined) {
    throw invalidVolumePath(volumePath, 'it does not name a volume (/Volumes/<catalog>/<schema>/<volume>/...)');
  }
  return { catalog, schema, volume, rest };
}

export function formatVolumePath(parts: VolumePathParts): string {
  return VOLUMES_PREFIX + [parts.catalog, parts.schema, parts.volume, ...parts.rest].join('/');
}

/** The local file that stands for a volume path under a workspace root. */
export function volumePathToLocal(root: string, volumePath: string): string {
  const parts = parseVolumePath(volumePath);
  return path.join(root, 'Volumes', parts.catalog, parts.schema, parts.volume, ...parts.rest);
}

function invalidVolumePath(volumePath: unknown, reason: string): MlopsError {
  return new MlopsError(
    'INVALID_ARGUMENT',
    `Invalid volume path ${JSON.stringify(volumePath)}: ${reason}; expected /Volumes/<catalog>/<schema>/<volume>/<path>`,
    { details: { path: volumePath } },
  );
}

export interface TableNameParts {
  catalog: string;
  schema: string;
  table: string;
}

// Plain identifiers only: each part becomes a folder name, and Unity Catalog needs backticks for anything else.
const IDENTIFIER = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Validates a three-level table name. Unity Catalog names are case-insensitive and stored in lower
 * case, so the parts are lower-cased: `Main.Iris.T` and `main.iris.t` are the same table.
 */
export function parseTableName(name: string): TableNameParts {
  const parts = typeof name === 'string' ? name.split('.') : [];
  const [catalog, schema, table] = parts;
  if (parts.length !== 3 || catalog === undefined || schema === undefined || table === undefined) {
    throw invalidTableName(name, `it has ${parts.length} part(s)`);
  }
  for (const part of parts) {
    if (!IDENTIFIER.test(part)) {
      throw invalidTableName(name, `part ${JSON.stringify(part)} is not a plain identifier (letters, digits, _ and -)`);
    }
  }
  return { catalog: catalog.toLowerCase(), schema: schema.toLowerCase(), table: table.toLowerCase() };
}

export function formatTableName(parts: TableNameParts): string {
  return `${parts.catalog}.${parts.schema}.${parts.table}`;
}

/** The folder that holds a table's part files and manifest under a workspace root. */
export function tableNameToLocal(root: string, name: string): string {
  const parts = parseTableName(name);
  return path.join(root, 'tables', parts.catalog, parts.schema, parts.table);
}

function invalidTableName(name: unknown, reason: string): MlopsError {
  return new MlopsError(
    'INVALID_ARGUMENT',
    `Invalid table name ${JSON.stringify(name)}: ${reason}; expected <catalog>.<schema>.<table>`,
    { details: { table: name } },
  );
}
