import { UseInterceptors } from '@nestjs/common';
import { TRACK_METRIC_METADATA } from './feature-flag.constants.js';
import { stackingDecorator } from './stacked-metadata.js';
import { TrackMetricClassInterceptor, TrackMetricInterceptor } from './track-metric.interceptor.js';

/**
 * Options of `@TrackMetric()`. `TResult` is what the handler returns (resolved, for an async handler), as the
 * `value` function reads it: `{ value: (order: Order) => order.total }`.
 * @publicApi
 */
export interface TrackMetricOptions<TResult = unknown> {
  /** The numeric value of the event (default 1), or a function of the handler's result (e.g. an order total). */
  value?: number | ((result: TResult) => number);
}

/** One `@TrackMetric()` declaration, as stored in metadata. */
export interface MetricDeclaration {
  readonly event: string;
  readonly value: number | MetricValue;
}

/** A value function as stored: method syntax, so a `(order: Order) => number` fits (internal). */
type MetricValue = { read(result: unknown): number }['read'];

/**
 * Records a metric event (`client.trackMetric(user, event, value)`, FeatBit's custom event for A/B/n experiments)
 * each time the handler succeeds, for the user among the request's inputs. Nothing is recorded when the handler
 * throws, nor when the request has no user. On a controller class it applies to every handler; stacking records
 * several events.
 *
 * ```ts
 * @Post('checkout')
 * @TrackMetric('checkout', { value: (order: Order) => order.total })
 * ```
 * The result's type is not checked against the handler's return type (decorators cannot see it): declare it as
 * the handler returns it.
 * @publicApi
 */
export function TrackMetric<TResult = unknown>(
  event: string,
  options: TrackMetricOptions<TResult> = {},
): ClassDecorator & MethodDecorator {
  if (typeof event !== 'string' || event.trim() === '') {
    throw new TypeError(`@TrackMetric() needs an event name, got ${JSON.stringify(event)}.`);
  }
  const value: number | MetricValue = options.value ?? 1;
  if (typeof value !== 'function' && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new TypeError(
      `@TrackMetric('${event}'): value must be a finite number or a function of the result.`,
    );
  }
  const declaration: MetricDeclaration = Object.freeze({ event, value });
  return stackingDecorator(TRACK_METRIC_METADATA, declaration, {
    handler: UseInterceptors(TrackMetricInterceptor),
    class: UseInterceptors(TrackMetricClassInterceptor),
  });
}
