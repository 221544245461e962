import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../errors.js';
import { LocalSource } from './local.js';
import type { Source } from './types.js';

export interface OpenSourceOptions {
  /** Relative paths resolve against this folder (the config file's folder). */
  baseDir: string;
}

// Two or more letters before "://" so that a Windows drive ("C:\\data") is not taken for a scheme.
const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;

/** Picks the Source for a job's `source_path`: a local folder (path or file:// URL) for now. */
export async function openSource(pathOrUrl: string, options: OpenSourceOptions): Promise<Source> {
  if (typeof pathOrUrl !== 'string' || pathOrUrl.trim() === '') {
    throw new MlopsError('INVALID_ARGUMENT', `source_path must be a folder path or URL; found ${JSON.stringify(pathOrUrl)}`);
  }
  const scheme = URL_SCHEME.exec(pathOrUrl)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return new LocalSource({ root: path.resolve(options.baseDir, pathOrUrl) });
  }
  if (scheme === 'file') {
    return new LocalSource({ root: fileURLToPath(pathOrUrl) });
  }
  const shown = withoutQueryString(pathOrUrl);
  if (scheme === 'abfss' || scheme === 'abfs' || scheme === 'https' || scheme === 'http') {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `source_path ${shown}: ADLS Gen2 sources (abfss:// and https:// URLs) are not supported yet; use a local folder path for now`,
      { details: { source_path: shown, scheme } },
    );
  }
  throw new MlopsError('INVALID_ARGUMENT', `source_path ${shown}: unsupported scheme "${scheme}://"; expected a local folder path or file:// URL`, {
    details: { source_path: shown, scheme },
  });
}

/** A query string may carry a SAS token, which must never reach an error message or a log. */
function withoutQueryString(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?<redacted>`;
}
