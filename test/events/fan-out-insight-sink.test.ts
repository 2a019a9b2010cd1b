/** A failing sink of a fan-out is counted and logged once (with its name); the other sinks still record. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlagEvaluation } from '../../lib/core/flags/eval-detail.js';
import { FanOutInsightSink } from '../../lib/events/fan-out-insight-sink.js';
import type { InsightSink } from '../../lib/events/insight-sink.interface.js';
import { RecordingLogger } from '../support/recording-logger.js';

class CountingSink implements InsightSink {
  evaluations = 0;
  metrics = 0;
  recordEvaluation(): void {
    this.evaluations++;
  }
  recordMetric(): void {
    this.metrics++;
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class BrokenSink implements InsightSink {
  recordEvaluation(): void {
    throw new Error('disk full');
  }
  recordMetric(): void {
    throw new Error('disk full');
  }
  flush(): Promise<void> {
    return Promise.reject(new Error('flush refused'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const evaluation = {} as FlagEvaluation;

describe('FanOutInsightSink', () => {
  test('a sink that throws is counted, logged once by name, and the others keep recording', async () => {
    const logger = new RecordingLogger();
    const good = new CountingSink();
    const sink = new FanOutInsightSink([new BrokenSink(), good], logger);
    for (let i = 0; i < 3; i++) sink.recordEvaluation({ key: 'u' }, evaluation);
    sink.recordMetric({ key: 'u' }, 'purchase', 1);
    await sink.flush();
    assert.equal(good.evaluations, 3);
    assert.equal(good.metrics, 1);
    assert.equal(sink.failures, 5, 'three evaluations, one metric, one flush');
    const errors = logger.messages('error');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /BrokenSink failed in recordEvaluation\(\)/);
  });

  test('sinks that work log nothing and count nothing', async () => {
    const logger = new RecordingLogger();
    const sink = new FanOutInsightSink([new CountingSink(), new CountingSink()], logger);
    sink.recordEvaluation({ key: 'u' }, evaluation);
    await sink.close();
    assert.equal(sink.failures, 0);
    assert.deepEqual(logger.lines, []);
  });
});
