import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { FeatBitSegment } from '../core/flags/flag.model.js';
import type { SegmentInput, WriteResult } from '../core/store/store-writer.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { documentOf, writeOptionsOf, type AdminResponse } from './admin-http.util.js';
import { AdminActor } from './admin-identity.js';
import { AdminValidationPipe } from './admin-validation.pipe.js';
import { AdminWrite } from './admin-write.decorator.js';
import { SegmentDocumentDto } from './dto/segment-document.dto.js';
import { booleanQuery, keyMismatch } from './flags.controller.js';
import { readRecord, writeResponse, type RecordResponse } from './record-response.js';

/** A segment in a listing. @publicApi */
export interface SegmentSummary {
  readonly id: string;
  readonly name: string | undefined;
  readonly isArchived: boolean;
  readonly included: number;
  readonly excluded: number;
  readonly rules: number;
  readonly version: number;
}

/**
 * `/segments`: list, read, create, replace and archive FeatBit segments through the client's writer.
 * @publicApi
 */
@Controller('segments')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(AdminValidationPipe)
export class SegmentsController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** Every segment (archived ones with `?archived=true`), filtered by `?q=` (id or name). */
  @Get()
  list(
    @Query('q') q?: string,
    @Query('archived') archived?: string,
  ): { count: number; items: SegmentSummary[] } {
    const withArchived = booleanQuery('archived', archived) === true;
    const needle = q?.toLowerCase();
    const items = this.client.store
      .snapshot()
      .segments.filter((segment) => withArchived || segment.isArchived !== true)
      .filter(
        (segment) =>
          needle === undefined ||
          segment.id.toLowerCase().includes(needle) ||
          (segment.name ?? '').toLowerCase().includes(needle),
      )
      .map((segment) => ({
        id: segment.id,
        name: segment.name,
        isArchived: segment.isArchived === true,
        included: segment.included?.length ?? 0,
        excluded: segment.excluded?.length ?? 0,
        rules: segment.rules?.length ?? 0,
        version: this.client.store.record('segment', segment.id)?.version ?? 0,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
    return { count: items.length, items };
  }

  /** One segment with its version (also the `ETag`); an archived one only with `?archived=true`. */
  @Get(':id')
  get(
    @Param('id') id: string,
    @Query('archived') archived: string | undefined,
    @Res({ passthrough: true }) response: AdminResponse,
  ): RecordResponse<FeatBitSegment> {
    return readRecord(
      this.client.store,
      'segment',
      id,
      booleanQuery('archived', archived) === true,
      response,
    );
  }

  /** Creates a segment (409 when a live segment has that id). */
  @Post()
  @AdminWrite()
  async create(
    @Body() body: SegmentDocumentDto,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitSegment>> {
    const doc = documentOf<SegmentInput>(body);
    return writeResponse(await this.client.writer.createSegment(doc, { actor }), response);
  }

  /** Replaces a segment; with `If-Match` only when it is still at that version (409 otherwise). */
  @Put(':id')
  @AdminWrite()
  async replace(
    @Param('id') id: string,
    @Body() body: SegmentDocumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitSegment>> {
    if (body.id !== id) throw keyMismatch('id', body.id, id);
    const doc = documentOf<SegmentInput>(body);
    return writeResponse(
      await this.client.writer.updateSegment(id, doc, writeOptionsOf(actor, ifMatch)),
      response,
    );
  }

  /** Archives a segment (400 while a live flag still uses it). */
  @Delete(':id')
  @AdminWrite()
  @HttpCode(200)
  async archive(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitSegment>> {
    return writeResponse(
      await this.client.writer.archiveSegment(id, writeOptionsOf(actor, ifMatch)),
      response,
    );
  }
}
