import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenCredential } from '@azure/identity';
import { MlopsError } from '../errors.js';
import { LocalSource } from './local.js';
import { redactUrl } from '../redact.js';
import type { Source } from './types.js';

export interface OpenSourceOptions {
  /** Relative paths resolve against this folder (the config file's folder). */
  baseDir: string;
  /** AZURE_STORAGE_* variables for ADLS sources; default process.env. */
  env?: Record<string, string | undefined>;
  /** For ADLS: use this credential instead of choosing one from the environment. */
  credential?: TokenCredential;
  /** For ADLS: blobs per listing page. */
  pageSize?: number;
  /** For ADLS: attempts per request, retries included. */
  maxTries?: number;
}

// Two or more letters before "://" so that a Windows drive ("C:\\data") is not taken for a scheme.
const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;

/**
 * Picks the Source for a job's `source_path`: a local folder (a path or file:// URL), or an ADLS Gen2
 * folder (abfss:// or https:// URL; see AdlsSource for the credentials it looks for).
 */
export async function openSource(pathOrUrl: string, options: OpenSourceOptions): Promise<Source> {
  if (typeof pathOrUrl !== 'string' || pathOrUrl.trim() === '') {
    throw new MlopsError('INVALID_ARGUMENT', `source_path must be a folder path or URL; found ${JSON.stringify(pathOrUrl)}`);
  }
  const trimmed = pathOrUrl.trim();
  const scheme = URL_SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return new LocalSource({ root: path.resolve(options.baseDir, trimmed) });
  }
  if (scheme === 'file') {
    return new LocalSource({ root: fileURLToPath(trimmed) });
  }
  if (scheme === 'abfss' || scheme === 'abfs' || scheme === 'https' || scheme === 'http') {
    // Loaded only for ADLS: the Azure SDK takes a second or two to import, which local runs should not pay.
    const { AdlsSource } = await import('./adls.js');
    return new AdlsSource({
      url: trimmed,
      env: options.env ?? process.env,
      ...(options.credential ? { credential: options.credential } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.maxTries !== undefined ? { maxTries: options.maxTries } : {}),
    });
  }
  const shown = redactUrl(trimmed);
  throw new MlopsError(
    'INVALID_ARGUMENT',
    `source_path ${shown}: unsupported scheme "${scheme}://"; expected a local folder path, file://, abfss:// or https:// URL`,
    { details: { source_path: shown, scheme } },
  );
}

/** A source_path as it may be logged or recorded: an ADLS URL loses its query string (a SAS token). */
export function displaySourcePath(pathOrUrl: string): string {
  const trimmed = pathOrUrl.trim();
  return URL_SCHEME.test(trimmed) ? redactUrl(trimmed) : trimmed;
}
