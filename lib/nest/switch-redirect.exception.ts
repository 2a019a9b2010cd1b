import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * What `@SwitchActive(name, { redirectTo })` throws for an inactive switch: a 302 whose `Location` header the
 * guard has already set on the response, so that Nest's exception layer (or your own filter, if it keeps the
 * status) answers with the redirect on Express and Fastify alike.
 * @publicApi
 */
export class SwitchRedirectException extends HttpException {
  constructor(
    readonly switchName: string,
    readonly location: string,
  ) {
    super(
      { statusCode: HttpStatus.FOUND, message: `Switch ${switchName} not active`, redirectTo: location },
      HttpStatus.FOUND,
    );
  }
}
