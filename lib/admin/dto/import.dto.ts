import { Type } from 'class-transformer';
import { IsArray, IsOptional, ValidateNested } from 'class-validator';
import { ApiDoc } from './api-doc.js';
import { FlagDocumentDto } from './flag-document.dto.js';
import { SegmentDocumentDto } from './segment-document.dto.js';
import { SwitchImportDto } from './switch-document.dto.js';

/** An import: FeatBit's `{ featureFlags, segments }` plus switch records, applied in one atomic batch. @publicApi */
export class ImportDto {
  @ApiDoc({ required: false, type: () => FlagDocumentDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FlagDocumentDto)
  featureFlags?: FlagDocumentDto[];

  @ApiDoc({ required: false, type: () => SegmentDocumentDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SegmentDocumentDto)
  segments?: SegmentDocumentDto[];

  @ApiDoc({ required: false, type: () => SwitchImportDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SwitchImportDto)
  switches?: SwitchImportDto[];
}
