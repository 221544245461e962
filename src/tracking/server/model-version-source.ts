import { realpath } from 'node:fs/promises';
import { posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../errors.js';

/**
 * Which `source` a model version may have, by the rules of MLflow's tracking server (≥ 2.9,
 * mlflow/server/handlers.py `_validate_source`), so a client cannot register `/etc` or
 * `file:///root/.ssh` and then be handed it back as the download URI:
 *
 * - a local source (a plain path, or a `file:` URI) is accepted only with a `run_id`, and only
 *   inside that run's artifact folder once symlinks and `..` are resolved;
 * - any other URI (`runs:/`, `models:/`, `mlflow-artifacts:/`, `s3://`, …) is accepted when its
 *   path, percent-decoded until stable, is absolute and has no `.`/`..` segments, doubled
 *   slashes or NUL — it cannot climb out of the place it names.
 */

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** A source is local when it has no scheme, or the `file:` scheme with no host but this one (MLflow's is_local_uri). */
export function isLocalSource(source: string): boolean {
  const scheme = SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme.length === 1) return true;
  return scheme === 'file';
}

function fileHost(source: string): string {
  const match = /^file:\/\/([^/?#]*)/i.exec(source);
  return match?.[1]?.toLowerCase().replace(/:\d+$/, '') ?? '';
}

/** Python's unquote_plus, applied until the text stops changing (double-encoded `%252e` included). */
function fullyDecoded(text: string): string {
  let current = text;
  for (;;) {
    let next: string;
    try {
      next = decodeURIComponent(current.replace(/\+/g, ' '));
    } catch {
      // A stray '%' that does not start an escape: decode what can be decoded, as Python does.
      next = current.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
    if (next === current) return current;
    current = next;
  }
}

/** The path part of a URI, as urllib.parse.urlparse would split it. */
function uriPath(uri: string): string {
  const withoutScheme = uri.replace(SCHEME, '');
  const afterAuthority = withoutScheme.startsWith('//') ? withoutScheme.slice(2).replace(/^[^/?#]*/, '') : withoutScheme;
  return afterAuthority.replace(/[?#].*$/s, '');
}

/** True when a non-local source's path could reach somewhere other than where it says. */
export function hasRelativePathReferences(source: string): boolean {
  const path = uriPath(fullyDecoded(source)).replace(/\/+$/, '').replace(/\/+/g, '/');
  if (path.includes('\0')) return true;
  // Python resolves a relative path against the cwd, so it never equals itself: refused too.
  return !path.startsWith('/') || posix.normalize(path) !== path;
}

function invalidSource(source: string, reason: string): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', `Invalid model version source: '${source}'. ${reason}`, { details: { parameter: 'source', source } });
}

const LOCAL_REASON =
  'To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.';
const RELATIVE_REASON =
  'If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.';

/** The real path (symlinks resolved) of what exists of `path`, with the rest appended lexically. */
async function realOrResolved(path: string): Promise<string> {
  const absolute = resolve(path);
  const tail: string[] = [];
  let head = absolute;
  for (;;) {
    try {
      return resolve(await realpath(head), ...tail.reverse());
    } catch {
      const parent = resolve(head, '..');
      if (parent === head) return absolute;
      tail.push(head.slice(parent.length).replace(/^[\\/]/, ''));
      head = parent;
    }
  }
}

export interface SourceCheckContext {
  /** The local folder of the run's artifacts (its artifact URI on this server's disk); undefined when it is not local. */
  runArtifactDir(runId: string): Promise<string | undefined>;
}

/** Throws INVALID_ARGUMENT (MLflow's INVALID_PARAMETER_VALUE) when `source` may not be a model version's source. */
export async function checkModelVersionSource(source: string, runId: string | undefined, context: SourceCheckContext): Promise<void> {
  if (isLocalSource(source)) {
    if (/^file:/i.test(source) && !['', 'localhost', '127.0.0.1', '.'].includes(fileHost(source))) throw invalidSource(source, LOCAL_REASON);
    if (runId === undefined || runId === '') throw invalidSource(source, LOCAL_REASON);
    const artifactDir = await context.runArtifactDir(runId);
    if (artifactDir === undefined) throw invalidSource(source, LOCAL_REASON);
    let localPath: string;
    try {
      localPath = /^file:/i.test(source) ? fileURLToPath(source.replace(/^file:\/\/(localhost|127\.0\.0\.1)(?=\/)/i, 'file://')) : source;
    } catch {
      throw invalidSource(source, LOCAL_REASON);
    }
    if (localPath.includes('\0')) throw invalidSource(source, LOCAL_REASON);
    const [real, root] = await Promise.all([realOrResolved(localPath), realOrResolved(artifactDir)]);
    if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return;
    throw invalidSource(source, LOCAL_REASON);
  }
  if (hasRelativePathReferences(source)) throw invalidSource(source, RELATIVE_REASON);
}
