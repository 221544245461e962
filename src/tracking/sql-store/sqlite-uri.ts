import { dirname, isAbsolute, join, resolve } from 'node:path';
import { MlopsError } from '../../errors.js';

/**
 * SQLAlchemy's SQLite URLs as MLflow takes them: `sqlite:///relative/path.db` (three slashes) and
 * `sqlite:////absolute/path.db` (four). `sqlite://` alone is an in-memory database, which a
 * tracking store shared with other processes cannot be.
 */
export function sqlitePathFromUri(uri: string, baseDir: string): string {
  const match = /^sqlite:\/\/\/(.*)$/i.exec(uri);
  const rest = match?.[1]?.replace(/\?.*$/, '');
  if (rest === undefined || rest === '' || rest === ':memory:') {
    throw new MlopsError('CONFIG_INVALID', `Tracking URI ${uri} is not a usable SQLite file URI; expected sqlite:///relative/file.db or sqlite:////absolute/file.db`, {
      details: { trackingUri: uri },
    });
  }
  const path = decodeURIComponent(rest);
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The URI of a database file, absolute: sqlite:////abs/path.db. */
export function sqliteUriFromPath(path: string): string {
  return `sqlite:///${resolve(path)}`;
}

/** Where artifacts of a database go by default: `mlartifacts/` beside it, as `mlflow server` run from that folder puts them. */
export function defaultArtifactsDestination(databasePath: string): string {
  return join(dirname(databasePath), 'mlartifacts');
}
