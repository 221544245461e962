import { MlopsError } from '../../../errors.js';

/**
 * The path Spark reads a landing file by. Spark opens the file itself, so the path must mean the same
 * file on the Spark server as here:
 * - a local file → `file:` and its absolute path (a local Spark server, or one sharing the filesystem);
 * - abfss://container@account.dfs.core.windows.net/… → unchanged (the cluster reads it with its own
 *   storage credential, e.g. a Unity Catalog external location);
 * - https://account.dfs|blob.core.windows.net/container/… → the same file as abfss://.
 * Hadoop expands glob characters in paths, so a name holding one is refused rather than misread.
 */
export function sparkReadPath(fileUrl: string, localPath: string | undefined): string {
  const path = localPath !== undefined ? `file://${localPath.startsWith('/') ? '' : '/'}${localPath.replaceAll('\\', '/')}` : remotePath(fileUrl);
  const glob = /[*?[\]{}]/.exec(localPath ?? path.replace(/^[a-z]+:\/\/[^/]*/, ''));
  if (glob !== null) {
    throw new MlopsError('INVALID_ARGUMENT', `Cannot hand ${fileUrl} to Spark: its path holds "${glob[0]}", which Spark reads as a glob pattern; rename the file`, {
      details: { file: fileUrl },
    });
  }
  return path;
}

function remotePath(fileUrl: string): string {
  if (fileUrl.startsWith('abfss://')) return fileUrl;
  const https = /^https:\/\/([^./]+)\.(?:dfs|blob)\.core\.windows\.net\/([^/?#]+)\/([^?#]*)$/.exec(fileUrl);
  if (https !== null) return `abfss://${https[2]}@${https[1]}.dfs.core.windows.net/${decodeURIComponent(https[3]!)}`;
  throw new MlopsError('CONFIG_INVALID', `Spark cannot read ${fileUrl}: give a source_path the Spark server can open too (a local folder for a local server, or abfss:// storage the cluster can reach)`, {
    details: { file: fileUrl },
  });
}
