import { Body, Controller, Get, HttpCode, Post, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { StoreSnapshot } from '../core/store/flag-store.js';
import type { ImportData } from '../core/store/store-writer.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { toPlain } from './admin-http.util.js';
import { AdminActor } from './admin-identity.js';
import { AdminValidationPipe } from './admin-validation.pipe.js';
import { AdminWrite } from './admin-write.decorator.js';
import { ImportDto } from './dto/import.dto.js';

/** What an import did. @publicApi */
export interface ImportResponse {
  readonly imported: number;
  readonly records: ReadonlyArray<{ readonly kind: string; readonly key: string; readonly version: number }>;
}

/**
 * `GET /export` and `POST /import`: the whole store as FeatBit's `{ featureFlags, segments, switches }` JSON
 * (archived records and switch tombstones included, never an executable serialization), and the same shape
 * imported back in one atomic batch (one bad record refuses all).
 * @publicApi
 */
@Controller()
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(AdminValidationPipe)
export class ExportController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** Every flag, segment and switch as plain JSON. */
  @Get('export')
  export(): StoreSnapshot {
    return this.client.store.snapshot();
  }

  /** Imports flags, segments and switches atomically; every imported record gets a new version. */
  @Post('import')
  @AdminWrite()
  @HttpCode(200)
  async import(@Body() body: ImportDto, @AdminActor() actor: string): Promise<ImportResponse> {
    // Versions (`updatedAt`) are not taken from the body: every imported record gets a new one.
    const data = toPlain<ImportData>(body);
    const results = await this.client.writer.importData(data, { actor });
    return {
      imported: results.length,
      records: results.map((result) => ({ kind: result.kind, key: result.key, version: result.version })),
    };
  }
}
