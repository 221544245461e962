/**
 * The one redactor. Everything that may print or record text that came near a credential — error
 * messages, log lines, MLflow params and tags, job records, run reports, results on stdout — goes
 * through these functions. Two defences, both always applied:
 *
 * - known secrets: every value a client holds (tokens, passwords, keys, client secrets, SAS tokens
 *   and their signatures, connection strings) is masked wherever it appears, at any length, also
 *   in its URL-encoded and JSON-escaped forms;
 * - shapes: a URL loses its query string and its user info (a SAS token, a presigned signature,
 *   `user:password@`), and `sig=…`, `AccountKey=…`, `SharedAccessSignature=…`, `Bearer …`,
 *   `Basic …`, `SharedKey …`, `client_secret=…` and Databricks tokens (`dapi…`) are masked even
 *   when the secret itself was not known (a server echoing a header back).
 */

export const REDACTED = '***';

/** Text with every known secret and every credential-shaped part replaced by `***`. */
export function redactSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  // Longest first, so a connection string is replaced whole before the key inside it.
  const known = [...new Set([...secrets].filter((secret): secret is string => typeof secret === 'string' && secret !== ''))].sort((a, b) => b.length - a.length);
  for (const secret of known) {
    for (const form of secretForms(secret)) out = out.split(form).join(REDACTED);
  }
  return redactShapes(out.replace(URL_IN_TEXT, (url) => redactUrl(url)));
}

function secretForms(secret: string): Set<string> {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  try {
    forms.add(decodeURIComponent(secret));
  } catch {
    // Not percent-encoded: the raw value is enough.
  }
  forms.delete('');
  return forms;
}

// A URL inside free text ends at whitespace, a quote, a bracket or a backtick.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`()]+/gi;

function redactShapes(text: string): string {
  return text
    .replace(/(^|[?&;\s])(sig=)[^&;\s'"<]+/gi, `$1$2${REDACTED}`)
    .replace(/\b(AccountKey=)[^;\s'"<]+/gi, `$1${REDACTED}`)
    .replace(/\b(SharedAccessSignature=)[^;\s'"<]+/gi, `$1${REDACTED}`)
    .replace(/\b(client_secret|password|access_token|refresh_token)(["']?\s*[=:]\s*["']?)[^\s&;,'"<}]+/gi, `$1$2${REDACTED}`)
    .replace(/\b(Bearer|Basic|SharedKey)\s+[A-Za-z0-9._~+/:=-]+/g, `$1 ${REDACTED}`)
    .replace(/\bdapi[0-9a-f]{16,}(-\d+)?\b/g, REDACTED)
    .replace(/\bdose[0-9a-f]{16,}(-\d+)?\b/g, REDACTED);
}

/** Schemes whose user info is a container name, not a credential: abfss://<container>@<account>.dfs.core.windows.net/… */
const CONTAINER_USER_SCHEMES = new Set(['abfs:', 'abfss:', 'wasb:', 'wasbs:']);

/**
 * A URL safe to show: no query string (`?***` when it had one), no fragment, no user info
 * (`***@` when it had some; the container of an abfss:// URL stays). Text that is not a URL (a
 * path) comes back with credential shapes masked.
 */
export function redactUrl(url: string): string {
  const authority = /^([a-z][a-z0-9+.-]*):\/\/(?:([^/?#@\s]*)@)?/i.exec(url);
  if (authority === null) return redactShapes(url.replace(/\?[^#\s]*/, `?${REDACTED}`));
  const [prefix, scheme, userInfo] = authority;
  // The rest is kept as written (no normalisation), less its query string and fragment.
  let rest = url.slice(prefix.length).replace(/#.*$/s, '');
  const query = rest.indexOf('?');
  if (query !== -1) rest = `${rest.slice(0, query)}?${REDACTED}`;
  let user = '';
  if (userInfo !== undefined) {
    const keep = CONTAINER_USER_SCHEMES.has(`${scheme!.toLowerCase()}:`) && !userInfo.includes(':');
    user = `${keep ? userInfo : REDACTED}@`;
  }
  return `${scheme}://${user}${redactShapes(rest)}`;
}

/**
 * Job parameters as they may be recorded (MLflow params, job records, reports): every value
 * redacted, e.g. the SAS token of a source_path URL.
 */
export function redactParameters(params: Readonly<Record<string, string>>, secrets: Iterable<string | undefined> = []): Record<string, string> {
  const known = [...secrets];
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, redactSecrets(value, known)]));
}

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
