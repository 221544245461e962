/**
 * Credentials for an MLflow server, the way MLflow's own client reads them. The header value is
 * produced on demand and never stored in an error, a log line or a URI we report.
 */

/** Returns the Authorization header value for the next request, or undefined for none. */
export type AuthHeaderProvider = () => string | undefined | Promise<string | undefined>;

export interface RestAuth {
  header: AuthHeaderProvider;
  /** The secret strings themselves, so error text can be scrubbed of them. */
  secrets: string[];
}

/** MLFLOW_TRACKING_TOKEN (Bearer) wins over MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (Basic), as in MLflow. */
export function authFromEnv(env: Record<string, string | undefined>): RestAuth | undefined {
  const token = env['MLFLOW_TRACKING_TOKEN'];
  if (token !== undefined && token !== '') return bearerAuth(token);
  const username = env['MLFLOW_TRACKING_USERNAME'];
  const password = env['MLFLOW_TRACKING_PASSWORD'];
  if ((username ?? '') !== '' || (password ?? '') !== '') return basicAuth(username ?? '', password ?? '');
  return undefined;
}

export function bearerAuth(token: string): RestAuth {
  const value = `Bearer ${token}`;
  return { header: () => value, secrets: [token] };
}

export function basicAuth(username: string, password: string): RestAuth {
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  const value = `Basic ${encoded}`;
  return { header: () => value, secrets: [password, encoded].filter((secret) => secret !== '') };
}

/**
 * Splits `user:password@` out of a tracking URI: fetch refuses URLs with credentials, and the
 * URI we report must not show them. The credentials become Basic auth.
 */
export function splitUriCredentials(uri: string): { uri: string; auth: RestAuth | undefined } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { uri, auth: undefined };
  }
  if (url.username === '' && url.password === '') return { uri, auth: undefined };
  const auth = basicAuth(decodeURIComponent(url.username), decodeURIComponent(url.password));
  url.username = '';
  url.password = '';
  return { uri: url.href, auth };
}
