import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tap, type Observable } from 'rxjs';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { FEATURE_FLAG_OPTIONS, TRACK_METRIC_METADATA } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';
import { FlagInputs, firstUser } from './flag-inputs.js';
import { LevelMetadata, type MetadataLevel } from './stacked-metadata.js';
import type { MetricDeclaration } from './track-metric.decorator.js';

/**
 * The interceptor behind `@TrackMetric()` on handlers: once the handler's result is complete (and only if it did
 * not fail), records each declared event for the request's user. Use the decorator; it adds this interceptor.
 * @publicApi
 */
@Injectable()
export class TrackMetricInterceptor implements NestInterceptor {
  protected readonly level: MetadataLevel = 'handler';
  private readonly logger: SwitchyardLogger;
  private readonly declarations: LevelMetadata<MetricDeclaration>;

  constructor(
    private readonly client: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
    reflector: Reflector,
    @Inject(FEATURE_FLAG_OPTIONS) options: FeatureFlagModuleOptions,
  ) {
    this.logger = options.logger ?? consoleLogger;
    this.declarations = new LevelMetadata(reflector, TRACK_METRIC_METADATA);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metrics = this.declarations.of(context, this.level);
    if (metrics === null) return next.handle();
    let result: unknown;
    return next.handle().pipe(
      tap({
        next: (value) => {
          result = value;
        },
        // After success only: an error skips `complete`. The user is read now, so a handler that identified
        // the user during the request (FlagInputs.add) is credited.
        complete: () => this.record(metrics, context, result),
      }),
    );
  }

  private record(metrics: readonly MetricDeclaration[], context: ExecutionContext, result: unknown): void {
    const user = firstUser(this.flagInputs.of(context));
    if (user === undefined) {
      this.logger.debug?.(
        `@TrackMetric: no user among the request's inputs; '${metrics[0].event}' not recorded.`,
      );
      return;
    }
    for (const metric of metrics) {
      let value: number;
      try {
        value = typeof metric.value === 'function' ? metric.value(result) : metric.value;
      } catch (error) {
        this.logger.error(`@TrackMetric('${metric.event}'): the value function threw; not recorded.`, error);
        continue;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.logger.error(
          `@TrackMetric('${metric.event}'): value ${String(value)} is not a finite number; not recorded.`,
        );
        continue;
      }
      this.client.trackMetric(user, metric.event, value);
    }
  }
}

/** The same interceptor for `@TrackMetric()` on a controller class. */
@Injectable()
export class TrackMetricClassInterceptor extends TrackMetricInterceptor {
  protected override readonly level = 'class' as const;
}
