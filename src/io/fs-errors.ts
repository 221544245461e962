import { MlopsError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

const ERRNO_TO_CODE: Record<string, ErrorCode> = {
  ENOENT: 'NOT_FOUND',
  EEXIST: 'ALREADY_EXISTS',
  ENOTEMPTY: 'ALREADY_EXISTS',
  EISDIR: 'INVALID_ARGUMENT',
  ENOTDIR: 'INVALID_ARGUMENT',
  ABORT_ERR: 'ABORTED',
};

const ERRNO_TO_PHRASE: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'something already exists there',
  ENOTEMPTY: 'the directory is not empty',
  EISDIR: 'it is a directory, a file was expected',
  ENOTDIR: 'a part of the path is a file, a directory was expected',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
};

/**
 * Turns a Node fs error into an MlopsError whose message says what was attempted on which path;
 * MlopsErrors pass through unchanged.
 */
export function toMlopsError(error: unknown, attempted: string): MlopsError {
  if (error instanceof MlopsError) return error;
  const errno = errnoCode(error);
  const code = (errno === undefined ? undefined : ERRNO_TO_CODE[errno]) ?? 'IO';
  const phrase = (errno === undefined ? undefined : ERRNO_TO_PHRASE[errno]) ?? (error instanceof Error ? error.message : String(error));
  return new MlopsError(code, `Cannot ${attempted}: ${phrase}${errno === undefined ? '' : ` (${errno})`}`, { cause: error });
}
