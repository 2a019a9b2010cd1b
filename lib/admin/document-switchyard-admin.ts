import { apiDocEntries, type ApiDocOptions } from './dto/api-doc.js';
import { ADMIN_CONTROLLERS } from './admin-controllers.js';

type AnyDecorator = (target: object, property?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

/**
 * The few decorators of `@nestjs/swagger` the admin module applies (structurally typed, so that this package
 * never needs Swagger's types).
 * @publicApi
 */
export interface SwaggerDecorators {
  ApiProperty(options?: Record<string, unknown>): AnyDecorator;
  ApiTags(...tags: string[]): AnyDecorator;
  ApiBearerAuth(name?: string): AnyDecorator;
  ApiHeader(options: { name: string; required?: boolean; description?: string }): AnyDecorator;
}

/** The OpenAPI tag of each admin controller. */
const TAGS: Record<string, string> = {
  FlagsController: 'Switchyard admin: flags',
  SegmentsController: 'Switchyard admin: segments',
  SwitchesController: 'Switchyard admin: switches',
  EvaluateController: 'Switchyard admin: evaluation',
  ExperimentsController: 'Switchyard admin: experiments',
  AuditController: 'Switchyard admin: audit',
  ExportController: 'Switchyard admin: export and import',
};

/** Methods of the admin controllers that honour `If-Match`. */
const CONDITIONAL = new Set(['replace', 'edit', 'archive', 'put', 'remove']);

let documented: Promise<void> | undefined;

/**
 * Adds the admin routes' tags, their `If-Match` header and every admin DTO property to the OpenAPI document that
 * `@nestjs/swagger` builds. `FeatureFlagAdminModule` calls it when it starts (unless `openApi: false`) and when
 * Swagger can be loaded; call it yourself, before `SwaggerModule.createDocument()`, when you build the document
 * without starting the module. Pass Swagger's module (`await import('@nestjs/swagger')`) or let it be imported;
 * without `@nestjs/swagger` installed it rejects with an error that says so. Safe to call more than once.
 * @publicApi
 */
export function documentSwitchyardAdmin(swagger?: SwaggerDecorators): Promise<void> {
  documented ??= (async () => {
    const decorators = swagger ?? (await loadSwagger());
    apply(decorators);
  })();
  documented.catch(() => (documented = undefined));
  return documented;
}

async function loadSwagger(): Promise<SwaggerDecorators> {
  try {
    return (await import('@nestjs/swagger')) as unknown as SwaggerDecorators;
  } catch (error) {
    const wrapped = new Error(
      'documentSwitchyardAdmin() needs @nestjs/swagger: install it (npm install @nestjs/swagger) to document ' +
        'the admin API, or leave it out (the admin module works without it).',
      { cause: error },
    );
    (wrapped as Error & { code?: unknown }).code = (error as { code?: unknown } | null)?.code;
    throw wrapped;
  }
}

function apply(swagger: SwaggerDecorators): void {
  for (const { target, property, options } of apiDocEntries()) {
    swagger.ApiProperty(toSwaggerOptions(options))(target, property);
  }
  for (const controller of ADMIN_CONTROLLERS) {
    swagger.ApiTags(TAGS[controller.name] ?? 'Switchyard admin')(controller);
    swagger.ApiBearerAuth()(controller);
    const prototype = controller.prototype as Record<string, unknown>;
    for (const method of Object.getOwnPropertyNames(prototype)) {
      if (!CONDITIONAL.has(method)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(prototype, method);
      swagger.ApiHeader({
        name: 'If-Match',
        required: false,
        description:
          'The ETag of the version you read: the write applies only to that version (409 otherwise).',
      })(prototype, method, descriptor);
    }
  }
}

function toSwaggerOptions(options: ApiDocOptions): Record<string, unknown> {
  const { additionalProperties, enum: values, ...rest } = options;
  return {
    required: true,
    ...rest,
    ...(values === undefined ? {} : { enum: [...values] }),
    ...(additionalProperties ? { additionalProperties: true } : {}),
  };
}
