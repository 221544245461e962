import type { CallOptions } from '../types.js';
import type { DatabricksClient } from './http-client.js';

export interface CurrentUser {
  id: string;
  /** The workspace user name (an e-mail for users, an application id for service principals). */
  userName: string;
  displayName: string;
}

/** Who the credentials belong to (SCIM Me), asked once per client. */
export class Identity {
  readonly #client: DatabricksClient;
  #me: Promise<CurrentUser> | undefined;

  constructor(client: DatabricksClient) {
    this.#client = client;
  }

  me(options: CallOptions = {}): Promise<CurrentUser> {
    this.#me ??= this.#client
      .json<{ id?: string; userName?: string; displayName?: string }>('GET', '/api/2.0/preview/scim/v2/Me', options.signal ? { signal: options.signal } : {})
      .then((body) => ({ id: String(body.id ?? ''), userName: String(body.userName ?? ''), displayName: String(body.displayName ?? body.userName ?? '') }))
      .catch((error: unknown) => {
        this.#me = undefined; // a failed lookup may be retried later
        throw error;
      });
    return this.#me;
  }
}

/**
 * Where an experiment named `name` lives in the workspace: absolute paths as given; relative names
 * (and ~/…) in the caller's home folder /Users/<me>/, as Databricks notebooks would put them.
 */
export function experimentPath(name: string, userName: string): string {
  const trimmed = name.trim();
  if (trimmed.startsWith('/')) return trimmed.replace(/\/+$/, '');
  const relative = trimmed.replace(/^~\/?/, '');
  return `/Users/${userName}/${relative}`.replace(/\/+$/, '');
}
