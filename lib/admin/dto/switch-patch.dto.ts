import { IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { ApiDoc } from './api-doc.js';
import { SWITCH_STATES } from './switch-document.dto.js';

/** One edit of a switch: exactly one of `state` or `copyConditionsFrom`. @publicApi */
export class SwitchPatchDto {
  @ApiDoc({ required: false, enum: [...SWITCH_STATES] })
  @IsOptional()
  @IsIn([...SWITCH_STATES], { message: "state must be 'disabled', 'selective' or 'global'" })
  state?: 'disabled' | 'selective' | 'global';

  @ApiDoc({
    required: false,
    description: 'Replace the conditions with those of this switch (same namespace).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  copyConditionsFrom?: string;
}
