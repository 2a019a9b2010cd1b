/**
 * Runs under block-swagger.register.js: `@nestjs/swagger` cannot be resolved. Starts the admin module on both
 * platforms, writes and reads through it, and prints what happened as one JSON line.
 */
import 'reflect-metadata';
import request from 'supertest';
import { documentSwitchyardAdmin } from '../../lib/admin.js';
import { ADMIN, bearer, checkoutFlag, createAdminApp, platforms } from './admin-fixtures.js';

const report: Record<string, unknown> = {};
try {
  await import('@nestjs/swagger');
  report.swagger = 'loaded';
} catch (error) {
  report.swagger = (error as { code?: string }).code;
}
for (const platform of platforms) {
  const app = await createAdminApp(platform);
  try {
    const http = request(app.getHttpServer());
    const created = await http
      .post(`${ADMIN}/flags`)
      .set(...bearer())
      .send(checkoutFlag());
    const read = await http.get(`${ADMIN}/flags/checkout-v2`).set(...bearer());
    report[platform] = [created.status, read.status, read.body.data?.key];
  } finally {
    await app.close();
  }
}
try {
  await documentSwitchyardAdmin();
  report.document = 'documented';
} catch (error) {
  report.document = (error as Error).message;
}
console.log(JSON.stringify(report));
