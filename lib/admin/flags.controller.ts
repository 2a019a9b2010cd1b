import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { FeatBitFlag } from '../core/flags/flag.model.js';
import type { FlagInput, WriteResult } from '../core/store/store-writer.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { documentOf, writeOptionsOf, type AdminResponse } from './admin-http.util.js';
import { AdminActor } from './admin-identity.js';
import { AdminValidationPipe } from './admin-validation.pipe.js';
import { AdminWrite } from './admin-write.decorator.js';
import { FlagDocumentDto } from './dto/flag-document.dto.js';
import { FlagPatchDto } from './dto/flag-patch.dto.js';
import { readRecord, writeResponse, type RecordResponse } from './record-response.js';

/** A flag in a listing. @publicApi */
export interface FlagSummary {
  readonly key: string;
  readonly name: string | undefined;
  readonly variationType: string;
  readonly isEnabled: boolean;
  readonly isArchived: boolean;
  readonly tags: readonly string[];
  readonly version: number;
}

const PATCH_OPERATIONS = ['enabled', 'fallthrough', 'rollout', 'addTarget', 'removeTarget'] as const;

/**
 * `/flags`: list, read, create, replace, edit and archive FeatBit flags through the client's writer.
 * @publicApi
 */
@Controller('flags')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(AdminValidationPipe)
export class FlagsController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** Every flag (archived ones with `?archived=true`), filtered by `?q=` (key or name) and `?enabled=`. */
  @Get()
  list(
    @Query('q') q?: string,
    @Query('enabled') enabled?: string,
    @Query('archived') archived?: string,
  ): { count: number; items: FlagSummary[] } {
    const enabledFilter = booleanQuery('enabled', enabled);
    const withArchived = booleanQuery('archived', archived) === true;
    const needle = q?.toLowerCase();
    const items = this.client.store
      .snapshot()
      .featureFlags.filter((flag) => withArchived || flag.isArchived !== true)
      .filter((flag) => enabledFilter === undefined || flag.isEnabled === enabledFilter)
      .filter(
        (flag) =>
          needle === undefined ||
          flag.key.toLowerCase().includes(needle) ||
          (flag.name ?? '').toLowerCase().includes(needle),
      )
      .map((flag) => ({
        key: flag.key,
        name: flag.name,
        variationType: flag.variationType,
        isEnabled: flag.isEnabled,
        isArchived: flag.isArchived === true,
        tags: flag.tags ?? [],
        version: this.client.store.record('flag', flag.key)?.version ?? 0,
      }))
      .sort((a, b) => a.key.localeCompare(b.key));
    return { count: items.length, items };
  }

  /** One flag with its version (also the `ETag`); an archived one only with `?archived=true`. */
  @Get(':key')
  get(
    @Param('key') key: string,
    @Query('archived') archived: string | undefined,
    @Res({ passthrough: true }) response: AdminResponse,
  ): RecordResponse<FeatBitFlag> {
    return readRecord(this.client.store, 'flag', key, booleanQuery('archived', archived) === true, response);
  }

  /** Creates a flag (409 when a live flag has that key). */
  @Post()
  @AdminWrite()
  async create(
    @Body() body: FlagDocumentDto,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitFlag>> {
    const doc = documentOf<FlagInput>(body);
    return writeResponse(await this.client.writer.createFlag(doc, { actor }), response);
  }

  /** Replaces a flag; with `If-Match` only when it is still at that version (409 otherwise). */
  @Put(':key')
  @AdminWrite()
  async replace(
    @Param('key') key: string,
    @Body() body: FlagDocumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitFlag>> {
    if (body.key !== key) throw keyMismatch('key', body.key, key);
    const doc = documentOf<FlagInput>(body);
    return writeResponse(
      await this.client.writer.updateFlag(key, doc, writeOptionsOf(actor, ifMatch)),
      response,
    );
  }

  /**
   * One edit: `{ enabled }`, `{ fallthrough }`, `{ rollout, experiment? }`, `{ addTarget: { variation, userKey } }`
   * or `{ removeTarget: { userKey } }`. Without `If-Match` it is made on the newest version (retried on conflicts).
   */
  @Patch(':key')
  @AdminWrite()
  async edit(
    @Param('key') key: string,
    @Body() body: FlagPatchDto,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitFlag>> {
    const given = PATCH_OPERATIONS.filter((op) => body[op] !== undefined);
    if (given.length !== 1) {
      throw new BadRequestException(
        `A PATCH makes exactly one edit: give one of ${PATCH_OPERATIONS.join(', ')} (got ${given.join(', ') || 'none'}).`,
      );
    }
    if (body.experiment !== undefined && given[0] !== 'rollout')
      throw new BadRequestException('experiment goes with rollout only.');
    const options = writeOptionsOf(actor, ifMatch);
    const writer = this.client.writer;
    let result: WriteResult<FeatBitFlag>;
    switch (given[0]) {
      case 'enabled':
        result = await writer.setFlagEnabled(key, body.enabled as boolean, options);
        break;
      case 'fallthrough':
        result = await writer.setFallthrough(key, body.fallthrough as string, options);
        break;
      case 'rollout':
        result = await writer.setRollout(key, body.rollout as Record<string, number>, {
          ...options,
          experiment: body.experiment,
        });
        break;
      case 'addTarget': {
        const target = body.addTarget as NonNullable<FlagPatchDto['addTarget']>;
        result = await writer.addTargetUser(key, target.variation, target.userKey, options);
        break;
      }
      default: {
        const target = body.removeTarget as NonNullable<FlagPatchDto['removeTarget']>;
        result = await writer.removeTargetUser(key, target.userKey, options);
      }
    }
    return writeResponse(result, response);
  }

  /** Archives a flag: every client then answers it as not found. */
  @Delete(':key')
  @AdminWrite()
  @HttpCode(200)
  async archive(
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<FeatBitFlag>> {
    return writeResponse(await this.client.writer.archiveFlag(key, writeOptionsOf(actor, ifMatch)), response);
  }
}

/** `true`/`false` of a query parameter; 400 for anything else. */
export function booleanQuery(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new BadRequestException(
    `Query parameter ${name} must be true or false, got ${JSON.stringify(value)}.`,
  );
}

/** A body naming another record than the path. */
export function keyMismatch(field: string, inBody: string | undefined, inPath: string): BadRequestException {
  return new BadRequestException({
    message: `The body's ${field} ${JSON.stringify(inBody)} differs from the path's ${JSON.stringify(inPath)}; they must match.`,
    errors: [{ field, messages: [`must equal ${JSON.stringify(inPath)}`] }],
  });
}
