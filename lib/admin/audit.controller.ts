import {
  BadRequestException,
  Controller,
  Get,
  Query,
  Sse,
  UseFilters,
  UseGuards,
  type MessageEvent,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { AuditEntry } from '../core/store/audit-entry.js';
import type { RecordKind } from '../core/store/flag-storage.interface.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';

const KINDS: readonly RecordKind[] = ['flag', 'segment', 'switch'];

/**
 * `/audit`: who changed what — the newest entries of the audit log, and a live stream of every write (this
 * instance's and, through the storage, the other instances').
 * @publicApi
 */
@Controller('audit')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class AuditController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** The newest entries first; `?kind=flag|segment|switch`, `?key=` (switches: `namespace.name`), `?limit=` (1–10000, default 100). */
  @Get()
  async list(
    @Query('kind') kind?: string,
    @Query('key') key?: string,
    @Query('limit') limit?: string,
  ): Promise<{ count: number; items: readonly AuditEntry[] }> {
    if (kind !== undefined && !KINDS.includes(kind as RecordKind))
      throw new BadRequestException(`kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}.`);
    let count: number | undefined;
    if (limit !== undefined) {
      count = Number(limit);
      if (!/^\d+$/.test(limit) || count < 1 || count > 10_000)
        throw new BadRequestException(
          `limit must be a whole number from 1 to 10000, got ${JSON.stringify(limit)}.`,
        );
    }
    const items = await this.client.writer.readAudit({
      ...(kind === undefined ? {} : { kind: kind as RecordKind }),
      ...(key === undefined || key === '' ? {} : { key }),
      ...(count === undefined ? {} : { limit: count }),
    });
    return { count: items.length, items };
  }

  /** Server-sent events: one `audit` event (the entry as JSON) per write, from now on. */
  @Sse('stream')
  stream(): Observable<MessageEvent> {
    return this.client.writer.audit$.pipe(map((entry) => ({ type: 'audit', id: entry.id, data: entry })));
  }
}
