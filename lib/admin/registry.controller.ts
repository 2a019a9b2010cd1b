import { Controller, Get, UseFilters, UseGuards } from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { KNOWN_OPERATORS } from '../core/store/write-validation.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';

/** What a switch condition may name: the app's arguments (with their attributes) and operators. @publicApi */
export interface RegistryResponse {
  readonly arguments: ReadonlyArray<{ readonly name: string; readonly attributes: readonly string[] }>;
  readonly operators: ReadonlyArray<{
    readonly name: string;
    readonly group: string;
    readonly preposition: string;
    readonly parameters: readonly string[];
  }>;
  /** FeatBit's condition operators, for flag and segment rules. */
  readonly flagOperators: readonly string[];
}

/**
 * `GET /registry`: the arguments and operators registered in the app, which a conditions editor offers (the
 * console's argument, attribute and operator pickers).
 * @publicApi
 */
@Controller('registry')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class RegistryController {
  constructor(private readonly client: FeatureFlagClient) {}

  @Get()
  registry(): RegistryResponse {
    const store = this.client.store;
    return {
      arguments: store.arguments.names
        .map((name) => ({ name, attributes: [...store.arguments.get(name).attributes.keys()].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      operators: store.operators.all
        .map(({ name, group, preposition, parameters }) => ({ name, group, preposition, parameters }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      flagOperators: [...KNOWN_OPERATORS],
    };
  }
}
