import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  InvalidFlagError,
  InvalidRecordError,
  InvalidSwitchError,
  InvalidWriteError,
  OperatorInitError,
  RecordNotFoundError,
  StorageConflictError,
  StorageError,
  UnknownArgumentError,
  UnknownOperatorError,
} from '../core/errors.js';

/** The JSON body of every admin error. @publicApi */
export interface AdminErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  /** Field paths in dot form (`rules.0.conditions.1.op`) and what is wrong with each, for 400s. */
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly messages: readonly string[] }>;
  /** For 409: the version the write expected and the one found. */
  readonly expectedVersion?: number | null;
  readonly actualVersion?: number | null;
}

const INVALID = [InvalidWriteError, InvalidFlagError, InvalidRecordError, InvalidSwitchError];
const BAD_INPUT = [UnknownOperatorError, UnknownArgumentError, OperatorInitError];

/**
 * Maps what the admin routes throw to JSON answers: validation and write refusals → 400 with the field path,
 * unknown records → 404, version conflicts → 409, storage failures → 503 (nothing was written), Nest's HTTP
 * exceptions as they are, anything else → 500 without internals (logged). Scoped to the admin controllers.
 * @publicApi
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('SwitchyardAdmin');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = this.toBody(exception);
    const response = host.switchToHttp().getResponse<unknown>();
    this.adapterHost.httpAdapter.reply(response, body, body.statusCode);
  }

  private toBody(exception: unknown): AdminErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'message' in response) {
        const { message, ...rest } = response as { message: unknown };
        return {
          statusCode: status,
          error: statusText(status),
          ...rest,
          message: Array.isArray(message) ? message.join('; ') : String(message),
        } as AdminErrorBody;
      }
      return { statusCode: status, error: statusText(status), message: String(response) };
    }
    if (exception instanceof StorageConflictError) {
      return {
        statusCode: HttpStatus.CONFLICT,
        error: 'Conflict',
        message: exception.message,
        expectedVersion: exception.expectedVersion,
        actualVersion: exception.actualVersion,
      };
    }
    if (exception instanceof StorageError) {
      this.logger.warn(`Storage failure on an admin write: ${exception.message}`);
      return {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: `The flag storage failed; nothing was written. Retry when the storage is back. (${exception.message})`,
      };
    }
    if (exception instanceof RecordNotFoundError) {
      return { statusCode: HttpStatus.NOT_FOUND, error: 'Not Found', message: exception.message };
    }
    if (
      INVALID.some((type) => exception instanceof type) ||
      BAD_INPUT.some((type) => exception instanceof type)
    ) {
      const error = exception as Error;
      const field = fieldOf(error);
      return {
        statusCode: HttpStatus.BAD_REQUEST,
        error: 'Bad Request',
        message: error.message,
        ...(field === undefined ? {} : { errors: [{ field, messages: [error.message] }] }),
      };
    }
    this.logger.error(
      'Unexpected error in an admin route.',
      exception instanceof Error ? exception.stack : exception,
    );
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'The admin API failed unexpectedly; see the server log.',
    };
  }
}

/** `rules[0].conditions[1].value` → `rules.0.conditions.1.value`. */
export function dotPath(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** The field path of a core error, in dot form, with the import list it was in (`featureFlags.1.…`). */
function fieldOf(error: Error): string | undefined {
  let field: string | undefined;
  if (error instanceof InvalidWriteError || error instanceof InvalidFlagError) field = error.field;
  else if (error instanceof InvalidRecordError) {
    field = /^Invalid switch record [^:]*: ([\w.[\]]+|\(root\)): /.exec(error.message)?.[1];
    if (field === '(root)') field = undefined;
  }
  const list = /^(featureFlags|segments|switches)\[(\d+)\]: /.exec(error.message);
  if (list)
    field = field === undefined || field === '' ? `${list[1]}.${list[2]}` : `${list[1]}.${list[2]}.${field}`;
  return field === undefined || field === '' ? undefined : dotPath(field);
}

function statusText(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  return name === undefined
    ? 'Error'
    : name
        .toLowerCase()
        .split('_')
        .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
        .join(' ');
}
