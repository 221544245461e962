/**
 * How much a pickle may make the reader do. Every limit is checked before the work it guards
 * (a declared length before anything is copied, a count before the value is stored), so a
 * hostile pickle costs at most time and memory linear in its size, capped by these numbers.
 * Real scikit-learn pickles are far inside every default: their bulk is ndarray bytes.
 */
export interface UnpickleLimits {
  /** The whole pickle, in bytes. */
  maxInputBytes: number;
  /** One str, bytes, bytearray or out-of-band buffer, in bytes. */
  maxValueBytes: number;
  /** One LONG1/LONG4 integer, in bytes (decoded in linear time; 1 MiB is an 8-million-bit int). */
  maxIntegerBytes: number;
  /** One text INT/LONG integer, in decimal digits (Python's own int/str limit is 4300). */
  maxIntegerDigits: number;
  /** MARKs open at once: how deeply the pickle nests its MARK-delimited groups. */
  maxStackDepth: number;
  /** Values on the stack at once, across all open MARKs. */
  maxStackItems: number;
  /** Memo entries (PUT / BINPUT / LONG_BINPUT / MEMOIZE). */
  maxMemoEntries: number;
  /** Items placed into lists, tuples, dicts and sets over the whole decode. */
  maxElements: number;
}

export const DEFAULT_UNPICKLE_LIMITS: Readonly<UnpickleLimits> = Object.freeze({
  maxInputBytes: 256 * 1024 * 1024,
  maxValueBytes: 256 * 1024 * 1024,
  maxIntegerBytes: 1024 * 1024,
  maxIntegerDigits: 4300,
  maxStackDepth: 10_000,
  maxStackItems: 10_000_000,
  maxMemoEntries: 10_000_000,
  maxElements: 50_000_000,
});

/** What each limit is called in messages: the option a caller raises to allow more. */
export const LIMIT_DESCRIPTIONS: Readonly<Record<keyof UnpickleLimits, string>> = {
  maxInputBytes: 'bytes in a pickle',
  maxValueBytes: 'bytes in one string or bytes value',
  maxIntegerBytes: 'bytes in one binary integer',
  maxIntegerDigits: 'digits in one text integer',
  maxStackDepth: 'nested MARKs',
  maxStackItems: 'values on the stack',
  maxMemoEntries: 'memo entries',
  maxElements: 'container items',
};

export function resolveUnpickleLimits(overrides: Partial<UnpickleLimits> | undefined): UnpickleLimits {
  return { ...DEFAULT_UNPICKLE_LIMITS, ...overrides };
}
