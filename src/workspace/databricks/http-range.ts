/**
 * HTTP byte ranges (RFC 9110 §14) as the Files API takes them: the request's Range names its last
 * byte (inclusive), the 206 answer's Content-Range says which bytes came and of how many.
 */

/** The Range header for bytes [start, end), end exclusive and greater than start. */
export function rangeHeader(start: number, end: number): string {
  return `bytes=${start}-${end - 1}`;
}

export interface ContentRange {
  first: number;
  /** Inclusive. */
  last: number;
  /** The whole file's length; undefined when the server answers `*`. */
  size: number | undefined;
}

/** `bytes <first>-<last>/<size or *>`; undefined for anything else (a missing header included). */
export function parseContentRange(value: string | null): ContentRange | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? '');
  if (match === null) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const size = match[3] === '*' ? undefined : Number(match[3]);
  if (last < first || (size !== undefined && last >= size)) return undefined;
  return { first, last, size };
}
