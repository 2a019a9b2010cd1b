/** `node --import ./block-swagger.register.js …`: runs the process without `@nestjs/swagger`. */
import { register } from 'node:module';

register(new URL('./block-swagger.hooks.js', import.meta.url));
