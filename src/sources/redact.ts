/**
 * Removes credentials from text that may reach a message, a log or a run record: the known secret
 * values, and anything shaped like one (SAS signatures, AccountKey=…, SharedAccessSignature=…,
 * Authorization headers) even when it was not passed in.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a connection string is replaced whole before its key is.
  for (const secret of [...secrets].filter((value) => value.length >= 8).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('<redacted>');
  }
  return out
    .replace(/([?&]sig=)[^&;\s'"]+/gi, '$1<redacted>')
    .replace(/(AccountKey=)[^;\s'"]+/gi, '$1<redacted>')
    .replace(/(SharedAccessSignature=)[^;\s'"]+/gi, '$1<redacted>')
    .replace(/(Authorization:?\s*(?:Bearer|SharedKey)\s+)[^\s'"]+/gi, '$1<redacted>');
}

/** A URL without its query string (where SAS tokens live). */
export function withoutQuery(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Job parameters as they may be recorded (MLflow params, job records): secret-shaped parts removed
 * from every value, e.g. the signature of a SAS token left in a source_path URL.
 */
export function redactParameters(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, redactSecrets(value)]));
}
