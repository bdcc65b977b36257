import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as errors from '../../src/activities/errors';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../../src/shared/contracts';

it('names every non-retryable error class exactly as the type its retry policies list', () => {
  // Temporal takes an ApplicationFailure's type from the constructor name.
  const names = Object.values(errors)
    .map((ErrorClass) => ErrorClass.name)
    .sort();
  assert.deepEqual(names, [...NON_RETRYABLE_ERROR_TYPES].sort());
  for (const ErrorClass of Object.values(errors))
    assert.equal(new ErrorClass('x').name, ErrorType[ErrorClass.name as keyof typeof ErrorType]);
});
