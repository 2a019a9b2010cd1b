import { IsArray, IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';
import { ApiDoc } from './api-doc.js';

/**
 * What to evaluate: a flag (`flagKey`) or every flag for `user`; or a switch (`switch`) for `inputs`.
 * @publicApi
 */
export class EvaluateDto {
  @ApiDoc({ required: false, description: 'One flag; left out: every flag.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  flagKey?: string;

  @ApiDoc({
    required: false,
    type: Object,
    additionalProperties: true,
    description: 'The FeatBit user: `{ "key": "u1", "name": "Ann", "country": "FR" }`.',
  })
  @IsOptional()
  @IsObject()
  user?: Record<string, unknown>;

  @ApiDoc({ required: false, description: 'A switch name (`reports:export`).' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  switch?: string;

  @ApiDoc({ required: false, description: 'The switch namespace. Default: the client’s.' })
  @IsOptional()
  @IsString()
  namespace?: string;

  @ApiDoc({
    required: false,
    type: Object,
    isArray: true,
    description: 'The inputs the switch is judged on.',
  })
  @IsOptional()
  @IsArray()
  inputs?: unknown[];
}
