import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ApiDoc } from './api-doc.js';
import { ConditionDto, RECORD_KEY_PATTERN } from './flag-document.dto.js';

/** A rule of a segment: all conditions must hold. @publicApi */
export class SegmentRuleDto {
  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  id?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiDoc({ type: () => ConditionDto, isArray: true })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConditionDto)
  conditions!: ConditionDto[];
}

/** A FeatBit segment, as `GET /segments/:id` returns it and `POST`/`PUT` take it. @publicApi */
export class SegmentDocumentDto {
  @ApiDoc({ example: 'beta-testers' })
  @IsString()
  @MaxLength(256)
  @Matches(RECORD_KEY_PATTERN, { message: 'id must be 1–256 characters of letters, digits, ".", "_" or "-"' })
  id!: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  description?: string;

  @ApiDoc({ required: false, nullable: true, type: String, isArray: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  included?: string[] | null;

  @ApiDoc({ required: false, nullable: true, type: String, isArray: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  excluded?: string[] | null;

  @ApiDoc({ required: false, nullable: true, type: () => SegmentRuleDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SegmentRuleDto)
  rules?: SegmentRuleDto[] | null;

  @ApiDoc({ required: false, nullable: true })
  @IsOptional()
  @IsBoolean()
  isArchived?: boolean | null;

  @ApiDoc({ required: false, description: 'Set by every write (the version); ignored in requests.' })
  @IsOptional()
  @IsString()
  updatedAt?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  envId?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  createdAt?: string;
}
