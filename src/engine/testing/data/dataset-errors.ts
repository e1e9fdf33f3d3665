// Assertions on DatasetError for the data tests: the error a reader throws or rejects with, and
// its kind and message parts.

import { expect } from 'vitest';
import { DatasetError, type DatasetErrorKind } from '../../data/dataset-error';

/** The DatasetError `run` throws; anything else (or nothing) fails the test. */
export function thrownDatasetError(run: () => unknown): DatasetError {
  try {
    run();
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error('expected a DatasetError');
}

/** The DatasetError a promise rejects with; anything else (or success) fails the test. */
export async function rejectedDatasetError(run: Promise<unknown>): Promise<DatasetError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof DatasetError) return error;
  throw new Error(`expected a DatasetError, got ${String(error)}`);
}

/** Awaits a rejection and checks it is a DatasetError of `kind` whose message holds every part. */
export async function expectDatasetError(promise: Promise<unknown>, kind: DatasetErrorKind, parts: readonly (string | RegExp)[]): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a DatasetError').toBeInstanceOf(DatasetError);
  const { kind: actual, message } = error as DatasetError;
  expect(actual, message).toBe(kind);
  for (const part of parts) {
    if (typeof part === 'string') expect(message).toContain(part);
    else expect(message).toMatch(part);
  }
  return error as DatasetError;
}
