/**
 * A bug in generated evaluator text is logged as an error (once per kind) and does not switch generation off.
 * (A process that disallows code generation: condition-operators.test.ts, in a child process.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateFunction } from '../../../lib/core/flags/generated-code.js';
import { attributeReader, generatedReaderProperty } from '../../../lib/core/flags/flag-user.js';
import { RecordingLogger } from '../../support/recording-logger.js';

describe('generated code', () => {
  test('invalid generated text: undefined, one error per kind, generation stays on', () => {
    const logger = new RecordingLogger();
    assert.equal(generateFunction('test shape', [], 'return (', logger), undefined);
    assert.equal(generateFunction('test shape', [], 'return ((', logger), undefined);
    const errors = logger.messages('error');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /generated an invalid test shape .*Generated text: return \(/);
    const add = generateFunction<(a: number, b: number) => number>(
      'adder',
      ['a', 'b'],
      'return a + b;',
      logger,
    );
    assert.equal(add?.(2, 3), 5, 'later generation still works');
  });

  test('where code generation is allowed, attribute readers are generated (the fast path is taken)', () => {
    const reader = attributeReader('generated-code-test-plan');
    assert.equal(generatedReaderProperty(reader), 'generated-code-test-plan');
    assert.equal(reader({ 'generated-code-test-plan': 'pro' }, 'u1'), 'pro');
  });
});
