/**
 * Secrets (tokens, client secrets, SAS signatures, presigned URL signatures) must never reach a log
 * line, an error message or a run parameter. Everything that may print text about a request goes
 * through these helpers.
 */

const REDACTED = '***';

/** Replaces every occurrence of each secret (longer than 3 characters) with ***. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
  }
  return redactTokenShapes(out);
}

// Bearer/Basic credentials and Databricks PATs (dapi…) are recognisable by shape even when the
// caller did not know the secret (e.g. a server echoing a header back).
function redactTokenShapes(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`)
    .replace(/\bdapi[0-9a-f]{16,}(-\d+)?\b/g, REDACTED);
}

/**
 * A URL safe to print: user info dropped, and the query string dropped whenever it may carry a
 * signature (presigned and SAS URLs put their credentials there).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactTokenShapes(url.replace(/\?.*$/, '?' + REDACTED));
  }
  parsed.username = '';
  parsed.password = '';
  if (parsed.search !== '') {
    const keys = [...parsed.searchParams.keys()];
    const signed = keys.some((key) => SIGNATURE_PARAMS.has(key.toLowerCase()));
    if (signed) parsed.search = `?${REDACTED}`;
  }
  return parsed.toString();
}

const SIGNATURE_PARAMS = new Set([
  'sig', // Azure SAS
  'se',
  'x-amz-signature', // AWS SigV4 presigned
  'x-amz-credential',
  'x-amz-security-token',
  'signature', // AWS SigV2 / GCP
  'x-goog-signature',
  'x-goog-credential',
  'token',
  'access_token',
  'session_token',
]);

/**
 * A list for clients that scrub known secrets from their messages: iterating it yields the
 * provider's current secrets (OAuth tokens change over time), while printing or serialising it
 * shows nothing, so a client object that holds it can be logged safely.
 */
export function liveSecretList(current: () => readonly string[]): readonly string[] {
  const list: string[] = [];
  Object.defineProperties(list, {
    [Symbol.iterator]: { value: () => current()[Symbol.iterator]() },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: () => '[secrets redacted]' },
    toJSON: { value: () => '[secrets redacted]' },
  });
  return list;
}
