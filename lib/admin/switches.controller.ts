import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { SwitchInput, WriteResult } from '../core/store/store-writer.js';
import type { SwitchRecord } from '../core/switches/switch-record.js';
import { switchKey } from '../core/switches/switch-record.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { setETag, toPlain, writeOptionsOf, type AdminResponse } from './admin-http.util.js';
import { AdminActor } from './admin-identity.js';
import { AdminValidationPipe } from './admin-validation.pipe.js';
import { AdminWrite } from './admin-write.decorator.js';
import { SwitchDocumentDto } from './dto/switch-document.dto.js';
import { SwitchPatchDto } from './dto/switch-patch.dto.js';
import { keyMismatch } from './flags.controller.js';
import { recordResponse, writeResponse, type RecordResponse } from './record-response.js';

/** What `DELETE /switches/:name` did: the switches removed, deepest first. @publicApi */
export interface SwitchDeleteResponse {
  readonly deleted: ReadonlyArray<{ readonly key: string; readonly version: number }>;
  /** The new version of the switch named in the path (its tombstone). */
  readonly version: number;
}

/**
 * `/switches`: list a namespace, read, create or replace, edit (state, copy conditions) and delete Gutter switches
 * (with their descendants) through the client's writer. `?namespace=` selects another namespace than the client's.
 * @publicApi
 */
@Controller('switches')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(AdminValidationPipe)
export class SwitchesController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** The switches of one namespace (the client's by default), by name. */
  @Get()
  list(@Query('namespace') namespace?: string): { namespace: string; count: number; items: SwitchRecord[] } {
    const ns = this.namespaceOf(namespace);
    const items = this.client.store
      .switchesIn(ns)
      .map((entry) => entry.record)
      .sort((a, b) => a.name.localeCompare(b.name));
    return { namespace: ns, count: items.length, items };
  }

  /** One switch with its version (also the `ETag`). */
  @Get(':name')
  get(
    @Param('name') name: string,
    @Query('namespace') namespace: string | undefined,
    @Res({ passthrough: true }) response: AdminResponse,
  ): RecordResponse<SwitchRecord> {
    const ns = this.namespaceOf(namespace);
    const record = this.client.store.record('switch', switchKey(ns, name));
    if (record === undefined || (record.data as SwitchRecord).isArchived)
      throw new NotFoundException(`No switch '${name}' exists in namespace '${ns}'. Create it with PUT.`);
    return recordResponse(record, response);
  }

  /** Creates or replaces a switch; with `If-Match` only when it is still at that version (409 otherwise). */
  @Put(':name')
  @AdminWrite()
  async put(
    @Param('name') name: string,
    @Query('namespace') namespace: string | undefined,
    @Body() body: SwitchDocumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<SwitchRecord>> {
    if (body.name !== undefined && body.name !== name) throw keyMismatch('name', body.name, name);
    if (body.isArchived === true)
      throw new BadRequestException('isArchived cannot be set with PUT; DELETE the switch instead.');
    const ns = body.namespace ?? this.namespaceOf(namespace);
    if (namespace !== undefined && body.namespace !== undefined && body.namespace !== namespace)
      throw keyMismatch('namespace', body.namespace, namespace);
    const {
      key: _key,
      schema: _schema,
      updatedAt: _updatedAt,
      isArchived: _archived,
      ...fields
    } = toPlain<SwitchDocumentDto>(body);
    const input: SwitchInput = {
      ...fields,
      name,
      namespace: ns,
      conditions: fields.conditions?.map((c) => ({ ...c, negative: c.negative ?? false })),
    };
    return writeResponse(await this.client.writer.putSwitch(input, writeOptionsOf(actor, ifMatch)), response);
  }

  /** One edit: `{ state }` or `{ copyConditionsFrom }` (a switch of the same namespace). */
  @Patch(':name')
  @AdminWrite()
  async edit(
    @Param('name') name: string,
    @Query('namespace') namespace: string | undefined,
    @Body() body: SwitchPatchDto,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<WriteResult<SwitchRecord>> {
    const given = (['state', 'copyConditionsFrom'] as const).filter((field) => body[field] !== undefined);
    if (given.length !== 1) {
      throw new BadRequestException(
        `A PATCH makes exactly one edit: give state or copyConditionsFrom (got ${given.join(', ') || 'none'}).`,
      );
    }
    const options = {
      ...writeOptionsOf(actor, ifMatch),
      namespace: this.namespaceOf(namespace),
    };
    const result =
      body.state !== undefined
        ? await this.client.writer.setSwitchState(name, body.state, options)
        : await this.client.writer.copyConditions(body.copyConditionsFrom as string, name, options);
    return writeResponse(result, response);
  }

  /** Deletes a switch and every switch below it (`a` takes `a:b` and `a:b:c`), in one atomic batch. */
  @Delete(':name')
  @AdminWrite()
  @HttpCode(200)
  async remove(
    @Param('name') name: string,
    @Query('namespace') namespace: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) response: AdminResponse,
  ): Promise<SwitchDeleteResponse> {
    const ns = this.namespaceOf(namespace);
    const results = await this.client.writer.deleteSwitch(name, {
      ...writeOptionsOf(actor, ifMatch),
      namespace: ns,
    });
    const root = results.find((result) => result.key === switchKey(ns, name)) ?? results[results.length - 1];
    setETag(response, root.version);
    return { deleted: results.map((r) => ({ key: r.key, version: r.version })), version: root.version };
  }

  private namespaceOf(namespace: string | undefined): string {
    if (namespace === undefined || namespace === '') return this.client.manager.namespaceKey;
    if (/[:\s]/.test(namespace))
      throw new BadRequestException(
        `namespace must not contain ':' or spaces, got ${JSON.stringify(namespace)}.`,
      );
    return namespace;
  }
}
