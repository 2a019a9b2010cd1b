import { SetMetadata } from '@nestjs/common';
import { ADMIN_WRITE_METADATA } from './admin.constants.js';

/** Marks an admin route that writes: refused with 403 in read-only mode and for read-only keys. */
export const AdminWrite = (): MethodDecorator => SetMetadata(ADMIN_WRITE_METADATA, true);
