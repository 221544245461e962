import { expect } from 'vitest';
import { MlopsError } from '../../src/errors.js';

/**
 * Runs `run` and returns the MlopsError it throws. Another error is rethrown as is; returning
 * normally fails the test. When `code` (and `message`) are given they are asserted too.
 */
export function thrownMlopsError(run: () => unknown, code?: string, message?: RegExp): MlopsError {
  try {
    run();
  } catch (error) {
    return checked(error, code, message);
  }
  throw new Error(`expected ${code ?? 'an MlopsError'}, but the call succeeded`);
}

/** The async variant of thrownMlopsError: awaits the promise (or the function's promise) and returns its MlopsError. */
export async function rejectedMlopsError(pending: Promise<unknown> | (() => Promise<unknown>), code?: string, message?: RegExp): Promise<MlopsError> {
  try {
    await (typeof pending === 'function' ? pending() : pending);
  } catch (error) {
    return checked(error, code, message);
  }
  throw new Error(`expected ${code ?? 'an MlopsError'}, but the call succeeded`);
}

function checked(error: unknown, code: string | undefined, message: RegExp | undefined): MlopsError {
  if (!(error instanceof MlopsError)) throw error;
  if (code !== undefined) expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

/** The code of the MlopsError `run` throws, 'not an MlopsError' for any other error, undefined when it returns. */
export function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof MlopsError ? error.code : 'not an MlopsError';
  }
}
