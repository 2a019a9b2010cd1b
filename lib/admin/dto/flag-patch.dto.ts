import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { ApiDoc } from './api-doc.js';

/** A variation named by its id or its value (`true`, `"treatment"`, `42`). */
function IsVariationRef(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isVariationRef',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value !== '') ||
          typeof value === 'boolean' ||
          (typeof value === 'number' && Number.isFinite(value)),
        defaultMessage: (args) => `${args?.property ?? 'variation'} must name a variation by id or value`,
      },
    },
    options,
  );
}

/** `{ variation, userKey }`: serve that variation to that user. @publicApi */
export class AddTargetDto {
  @ApiDoc({ description: 'Variation id or value.', example: 'treatment' })
  @IsVariationRef()
  variation!: string | number | boolean;

  @ApiDoc({ example: 'user-42' })
  @IsString()
  @IsNotEmpty()
  userKey!: string;
}

/** `{ userKey }`: stop targeting that user individually. @publicApi */
export class RemoveTargetDto {
  @ApiDoc({ example: 'user-42' })
  @IsString()
  @IsNotEmpty()
  userKey!: string;
}

/**
 * One edit of a flag (exactly one of the fields, plus `experiment` with `rollout`): made on the version named by
 * `If-Match`, or on the newest one, retried when another writer came first.
 * @publicApi
 */
export class FlagPatchDto {
  @ApiDoc({ required: false, description: 'Turn targeting on or off.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiDoc({ required: false, description: 'Serve this variation (id or value) to everyone else.' })
  @IsOptional()
  @IsVariationRef()
  fallthrough?: string | number | boolean;

  @ApiDoc({
    required: false,
    type: Object,
    additionalProperties: true,
    description:
      'Split everyone else by percent: `{ "control": 50, "treatment": 50 }` (variation id or value).',
  })
  @IsOptional()
  @IsObject()
  rollout?: Record<string, number>;

  @ApiDoc({
    required: false,
    description: 'With `rollout`: every user of the split takes part in the experiment.',
  })
  @IsOptional()
  @IsBoolean()
  experiment?: boolean;

  @ApiDoc({ required: false, type: () => AddTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddTargetDto)
  addTarget?: AddTargetDto;

  @ApiDoc({ required: false, type: () => RemoveTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RemoveTargetDto)
  removeTarget?: RemoveTargetDto;
}
