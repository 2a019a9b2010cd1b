import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { ApiDoc } from './api-doc.js';

/** The switch states an admin request may name. */
export const SWITCH_STATES = ['disabled', 'selective', 'global'] as const;

/** An operator by registered name with its parameters: `{ "name": "between", "lowerLimit": 1, "upperLimit": 10 }`. */
function IsOperatorRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOperatorRecord',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          typeof (value as { name?: unknown }).name === 'string' &&
          (value as { name: string }).name.trim() !== '',
        defaultMessage: () =>
          'operator must be an object naming a registered operator: { "name": "equals", ...parameters }',
      },
    },
    options,
  );
}

/** One condition of a switch: read `attribute` of `argument`, apply `operator`, optionally negate. @publicApi */
export class SwitchConditionDto {
  @ApiDoc({ description: 'A registered argument name.', example: 'User' })
  @IsString()
  @IsNotEmpty()
  argument!: string;

  @ApiDoc({ example: 'plan' })
  @IsString()
  @IsNotEmpty()
  attribute!: string;

  @ApiDoc({
    type: Object,
    additionalProperties: true,
    description: 'The operator by registered name, with its parameters.',
    example: { name: 'equals', value: 'pro' },
  })
  @IsObject()
  @IsOperatorRecord()
  operator!: { name: string } & Record<string, unknown>;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsBoolean()
  negative?: boolean;
}

/**
 * A switch as `PUT /switches/:name` takes it (the name comes from the path). `GET` returns the stored record, which
 * has these fields and bookkeeping ones (`key`, `schema`, `updatedAt`, `isArchived`) that a `PUT` may send back.
 * @publicApi
 */
export class SwitchDocumentDto {
  @ApiDoc({ required: false, description: 'Must equal the name in the path when given.' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiDoc({ required: false, description: 'Default: the client’s namespace (`default`).' })
  @IsOptional()
  @IsString()
  namespace?: string;

  @ApiDoc({
    enum: [...SWITCH_STATES, 1, 2, 3],
    description: 'disabled, selective or global (upstream: 1, 2, 3).',
  })
  @IsIn([...SWITCH_STATES, 1, 2, 3], { message: "state must be 'disabled', 'selective' or 'global'" })
  state!: 'disabled' | 'selective' | 'global' | 1 | 2 | 3;

  @ApiDoc({ required: false })
  @IsOptional()
  @IsBoolean()
  compounded?: boolean;

  @ApiDoc({ required: false, description: 'The parent must be active too (default true).' })
  @IsOptional()
  @IsBoolean()
  concent?: boolean;

  @ApiDoc({ required: false, nullable: true })
  @IsOptional()
  @IsString()
  label?: string | null;

  @ApiDoc({ required: false, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiDoc({ required: false, type: () => SwitchConditionDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SwitchConditionDto)
  conditions?: SwitchConditionDto[];

  @ApiDoc({ required: false, description: 'Bookkeeping of GET; ignored.' })
  @IsOptional()
  @IsString()
  key?: string;

  @ApiDoc({ required: false, description: 'Bookkeeping of GET; ignored.' })
  @IsOptional()
  @IsInt()
  schema?: number;

  @ApiDoc({ required: false, description: 'Bookkeeping of GET; ignored.' })
  @IsOptional()
  @IsString()
  updatedAt?: string;

  @ApiDoc({ required: false, description: 'Bookkeeping of GET; must be false when given.' })
  @IsOptional()
  @IsBoolean()
  isArchived?: boolean;
}

/** A switch in an import: the same, with its name. @publicApi */
export class SwitchImportDto extends SwitchDocumentDto {
  @ApiDoc()
  @IsString()
  @IsNotEmpty()
  declare name: string;
}
