import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { KNOWN_OPERATORS } from '../../core/store/write-validation.js';
import { ApiDoc } from './api-doc.js';

/** FeatBit keys (flag keys, segment ids), as the FeatBit portal allows them. */
export const RECORD_KEY_PATTERN = /^[a-zA-Z0-9._-]+$/;
const KEY_MESSAGE = 'must be 1–256 characters of letters, digits, ".", "_" or "-"';
const OPERATORS = [...KNOWN_OPERATORS];

/** One possible value of a flag (values travel as strings: `"true"`, `"42"`, `"{\"a\":1}"`). @publicApi */
export class VariationDto {
  @ApiDoc({ example: 'v-on' })
  @IsString()
  @IsNotEmpty()
  id!: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiDoc({ description: 'The value as a string, whatever the flag type.', example: 'true' })
  @IsString()
  value!: string;
}

/** Individual targeting: these user keys get that variation. @publicApi */
export class TargetUserDto {
  @ApiDoc()
  @IsString()
  @IsNotEmpty()
  variationId!: string;

  @ApiDoc({ type: String, isArray: true })
  @IsArray()
  @IsString({ each: true })
  keyIds!: string[];
}

/** One condition of a rule; for segments `property` is `User is in segment` and `value` a JSON array of ids. @publicApi */
export class ConditionDto {
  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  id?: string;

  @ApiDoc({ nullable: true, example: 'country' })
  @IsOptional()
  @IsString()
  property?: string | null;

  @ApiDoc({ nullable: true, enum: OPERATORS, description: 'null or "" for segment conditions.' })
  @ValidateIf(
    (condition: ConditionDto) => condition.op !== null && condition.op !== undefined && condition.op !== '',
  )
  @IsIn(OPERATORS, { message: `op must be one of ${OPERATORS.join(', ')} (or null for segment conditions)` })
  op?: string | null;

  @ApiDoc({ nullable: true, example: 'FR' })
  @IsOptional()
  @IsString()
  value?: string | null;
}

/** A share of a split: users whose bucket falls in `rollout` = `[from, to]` (fractions of 1) get variation `id`. @publicApi */
export class RolloutVariationDto {
  @ApiDoc()
  @IsString()
  @IsNotEmpty()
  id!: string;

  @ApiDoc({ type: Number, isArray: true, example: [0, 1] })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @Min(0, { each: true })
  @Max(1, { each: true })
  rollout!: [number, number];

  @ApiDoc({ required: false, description: 'Share of all users sent to the experiment.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  exptRollout?: number | null;
}

/** An ordered targeting rule: all conditions must hold. @publicApi */
export class RuleDto {
  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  id?: string;

  @ApiDoc()
  @IsString()
  name!: string;

  @ApiDoc({ required: false, nullable: true })
  @IsOptional()
  @IsString()
  dispatchKey?: string | null;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsBoolean()
  includedInExpt?: boolean | null;

  @ApiDoc({ type: () => ConditionDto, isArray: true })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConditionDto)
  conditions!: ConditionDto[];

  @ApiDoc({ type: () => RolloutVariationDto, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => RolloutVariationDto)
  variations!: RolloutVariationDto[];
}

/** The default rule, for everyone not targeted and matching no rule. @publicApi */
export class FallthroughDto {
  @ApiDoc({ required: false, nullable: true })
  @IsOptional()
  @IsString()
  dispatchKey?: string | null;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsBoolean()
  includedInExpt?: boolean | null;

  @ApiDoc({ type: () => RolloutVariationDto, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => RolloutVariationDto)
  variations!: RolloutVariationDto[];
}

/** A FeatBit feature flag, as `GET /flags/:key` returns it and `POST`/`PUT` take it. @publicApi */
export class FlagDocumentDto {
  @ApiDoc({ example: 'checkout-v2' })
  @IsString()
  @MaxLength(256)
  @Matches(RECORD_KEY_PATTERN, { message: `key ${KEY_MESSAGE}` })
  key!: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  id?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  description?: string;

  @ApiDoc({ required: false, type: String, isArray: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @ApiDoc({ enum: ['boolean', 'number', 'string', 'json'] })
  @IsIn(['boolean', 'number', 'string', 'json'])
  variationType!: 'boolean' | 'number' | 'string' | 'json';

  @ApiDoc({ type: () => VariationDto, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => VariationDto)
  variations!: VariationDto[];

  @ApiDoc({ required: false, nullable: true, type: () => TargetUserDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TargetUserDto)
  targetUsers?: TargetUserDto[] | null;

  @ApiDoc({ required: false, nullable: true, type: () => RuleDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RuleDto)
  rules?: RuleDto[] | null;

  @ApiDoc()
  @IsBoolean()
  isEnabled!: boolean;

  @ApiDoc({ required: false, nullable: true, description: 'Served while the flag is off.' })
  @IsOptional()
  @IsString()
  disabledVariationId?: string | null;

  @ApiDoc({ type: () => FallthroughDto })
  @ValidateNested()
  @Type(() => FallthroughDto)
  fallthrough!: FallthroughDto;

  @ApiDoc({ required: false, nullable: true })
  @IsOptional()
  @IsBoolean()
  exptIncludeAllTargets?: boolean | null;

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

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  creatorId?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  updatorId?: string;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsString()
  revision?: string;
}
