import { isIP } from 'node:net';
import { MlopsError } from '../errors.js';

/** Where an ADLS Gen2 source lives, parsed from its URL. */
export interface AdlsLocation {
  account: string;
  container: string;
  /** The folder inside the container, without leading or trailing slashes ('' for the container root). */
  path: string;
  /** The Blob API endpoint of the account (Blob calls also work on hierarchical-namespace accounts). */
  blobEndpoint: string;
  /** The URL as the user gave it, without its query string: safe to log and record. */
  display: string;
  /** A SAS token from the URL's query string (without '?'), if it had one. Secret. */
  sas?: string;
}

// Azure's naming rules: https://learn.microsoft.com/azure/storage/blobs/storage-blobs-introduction#naming-and-referencing-containers-blobs-and-metadata
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const CONTAINER_NAME = /^(?:\$root|\$web|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;
const SERVICE_HOST = /^([a-z0-9]+)\.(dfs|blob)\.(.+)$/;

/**
 * Parses the three ways to name an ADLS Gen2 folder:
 *  - abfss://<container>@<account>.dfs.core.windows.net/<path> (abfs:// too), as Spark and Databricks write it;
 *  - https://<account>.dfs.core.windows.net/<container>/<path> or the .blob. host, optionally with a SAS query;
 *  - http(s)://<ip or localhost>:<port>/<account>/<container>/<path>, the path-style URLs of emulators (azurite).
 * Other clouds' suffixes (core.chinacloudapi.cn, …) work the same way.
 */
export function parseAdlsUrl(url: string): AdlsLocation {
  const query = url.indexOf('?');
  const display = query === -1 ? url : url.slice(0, query);
  const sas = query === -1 ? undefined : url.slice(query + 1);
  let parsed: URL;
  try {
    parsed = new URL(display);
  } catch {
    throw invalid(display, 'it is not a valid URL');
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  const host = parsed.hostname.toLowerCase();
  const segments = decodeSegments(parsed.pathname, display);
  let account: string;
  let container: string;
  let rest: string[];
  let blobEndpoint: string;

  if (scheme === 'abfss' || scheme === 'abfs') {
    container = decodeURIComponent(parsed.username);
    const match = SERVICE_HOST.exec(host);
    if (container === '' || match === null) {
      throw invalid(display, 'expected abfss://<container>@<account>.dfs.core.windows.net/<path>');
    }
    account = match[1]!;
    blobEndpoint = `https://${account}.blob.${match[3]!}${parsed.port ? `:${parsed.port}` : ''}`;
    rest = segments;
  } else if (scheme === 'https' || scheme === 'http') {
    if (parsed.username !== '' || parsed.password !== '') throw invalid(display, 'credentials do not belong in the URL; use a SAS query or the environment');
    const bareHost = host.replace(/^\[|\]$/g, '');
    if (isIP(bareHost) !== 0 || bareHost === 'localhost') {
      // Emulator path style: /<account>/<container>/<path>.
      const [first, second, ...more] = segments;
      if (first === undefined || second === undefined) throw invalid(display, 'expected http://<host>:<port>/<account>/<container>/<path> for an emulator');
      account = first;
      container = second;
      rest = more;
      blobEndpoint = `${scheme}://${parsed.host}/${account}`;
    } else {
      const match = SERVICE_HOST.exec(host);
      const [first, ...more] = segments;
      if (match === null || first === undefined) {
        throw invalid(display, 'expected https://<account>.dfs.core.windows.net/<container>/<path> (or the .blob. host)');
      }
      account = match[1]!;
      container = first;
      rest = more;
      blobEndpoint = `${scheme}://${account}.blob.${match[3]!}${parsed.port ? `:${parsed.port}` : ''}`;
    }
  } else {
    throw invalid(display, `unsupported scheme "${scheme}://"`);
  }

  if (!ACCOUNT_NAME.test(account)) throw invalid(display, `"${account}" is not a storage account name (3-24 lowercase letters and digits)`);
  if (!CONTAINER_NAME.test(container)) throw invalid(display, `"${container}" is not a container name (3-63 lowercase letters, digits and single hyphens)`);
  const location: AdlsLocation = { account, container, path: rest.join('/'), blobEndpoint, display: display.replace(/\/+$/, '') };
  if (sas !== undefined && sas !== '') location.sas = sas;
  return location;
}

function decodeSegments(pathname: string, display: string): string[] {
  const segments = pathname.split('/').filter((segment) => segment !== '');
  return segments.map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw invalid(display, `the path segment "${segment}" is not valid percent-encoding`);
    }
    if (decoded === '.' || decoded === '..') throw invalid(display, 'the path must not contain . or .. segments');
    return decoded;
  });
}

function invalid(display: string, reason: string): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', `source_path ${display}: ${reason}`, { details: { source_path: display } });
}
