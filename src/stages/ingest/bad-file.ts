import { MlopsError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

/**
 * A landing file that cannot be parsed at all (wrong header, not Parquet, truncated, a record that
 * never ends): with on_bad_file=quarantine the whole file is set aside with this reason and the other
 * files are still ingested; with on_bad_file=fail the run stops with it.
 */
export class BadFileError extends MlopsError {
  /** The reason without the file name, as the quarantine table records it. */
  readonly reason: string;

  constructor(code: Extract<ErrorCode, 'SCHEMA_MISMATCH' | 'CORRUPT'>, file: string, reason: string, details: Record<string, unknown> = {}) {
    super(code, `${file}: ${reason}`, { details: { file, ...details } });
    this.name = 'BadFileError';
    this.reason = reason;
  }
}
