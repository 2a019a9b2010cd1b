import { BadRequestException, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';

/** One invalid field of a request body, by its dot path (`rules.0.conditions.1.op`). */
export interface FieldError {
  readonly field: string;
  readonly messages: string[];
}

/** Every failed constraint of class-validator's error tree, by field path. */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push({ field, messages });
    if (error.children && error.children.length > 0)
      out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/**
 * The admin routes' validation: DTO classes through class-validator, unknown fields refused, values turned into
 * the DTO types, and a 400 that names every invalid field by its path.
 */
@Injectable()
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors: ValidationError[]) => {
        const fields = flattenValidationErrors(errors);
        const summary = fields.map((f) => `${f.field}: ${f.messages.join(', ')}`).join('; ');
        return new BadRequestException({
          message: `Invalid request: ${summary || 'the body does not match the expected shape'}`,
          errors: fields,
        });
      },
    });
  }
}
