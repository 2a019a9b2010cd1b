import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { ExperimentResult } from '../events/experiment-results.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';

/**
 * `GET /experiments/:flagKey?event=`: the A/B/n result of a flag for a metric event, computed by this instance from
 * the events it recorded (`experiments: true` in the client options).
 * @publicApi
 */
@Controller('experiments')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class ExperimentsController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** Per variation: exposures, conversions, rate with its 95 % interval, difference against the control. */
  @Get(':flagKey')
  results(
    @Param('flagKey') flagKey: string,
    @Query('event') event?: string,
    @Query('control') control?: string,
  ): ExperimentResult {
    if (event === undefined || event.trim() === '')
      throw new BadRequestException({
        message: 'Name the metric event: GET /experiments/<flagKey>?event=<event name>.',
        errors: [{ field: 'event', messages: ['event is required'] }],
      });
    if (!this.client.isFlagKnown(flagKey))
      throw new NotFoundException(`No flag '${flagKey}' exists (or it is archived).`);
    try {
      return this.client.experimentResults(flagKey, event, control === '' ? undefined : control);
    } catch (error) {
      if (error instanceof TypeError && /experiments: true/.test(error.message)) {
        throw new NotFoundException(
          'Experiments are off in this application: start the FeatureFlagModule with experiments: true to ' +
            'compute A/B/n results here.',
        );
      }
      throw error;
    }
  }
}
