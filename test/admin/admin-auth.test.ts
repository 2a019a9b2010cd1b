/**
 * How the admin module authenticates: it refuses to start without a way to authenticate (no anonymous writes);
 * a guard class or a function may authenticate instead of API keys, and the identity they establish is the actor
 * of the audit log; forRootAsync builds the options from injected providers; the prefix is configurable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AdminOptionsError, FeatureFlagAdminModule } from '../../lib/admin.js';
import { FeatureFlagModule } from '../../lib/index.js';
import { silentLogger } from '../../lib/core/logger.js';
import { ADMIN, checkoutFlag, createAdminApp, platforms } from './admin-fixtures.js';

/** A guard of the application: `x-user: <name>` is a logged-in user (as a session or JWT guard would say). */
@Injectable()
class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: unknown }>();
    const name = request.headers['x-user'];
    if (!name) return false;
    request.user = { username: name };
    return true;
  }
}

/** Stands for a ConfigService. */
@Injectable()
class AdminConfig {
  readonly keys = ['config-key-0123456789'];
}

@Module({ providers: [AdminConfig], exports: [AdminConfig] })
class ConfigModule {}

async function compile(imports: unknown[]): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        FeatureFlagModule.forRoot({ retainFlagDocuments: true, logger: silentLogger }),
        ...(imports as never[]),
      ],
    }).compile();
    await moduleRef.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

test('the module refuses to start without a way to authenticate', async () => {
  for (const auth of [undefined, {}, { apiKeys: [] }, { actor: () => 'x' }]) {
    const error = await compile([FeatureFlagAdminModule.forRoot({ auth } as never)]);
    assert.ok(error instanceof AdminOptionsError, `auth ${JSON.stringify(auth)}: ${String(error)}`);
    assert.match(error.message, /auth.*(apiKeys|guard|canActivate).*Anonymous writes are never allowed/);
  }
  const short = await compile([FeatureFlagAdminModule.forRoot({ auth: { apiKeys: ['short'] } })]);
  assert.ok(short instanceof AdminOptionsError);
  assert.match(short.message, /auth\.apiKeys\[0\].*at least 8 characters/);
  const async = await compile([
    FeatureFlagAdminModule.forRootAsync({ useFactory: () => ({ auth: { apiKeys: [] } }) }),
  ]);
  assert.ok(async instanceof AdminOptionsError, String(async));
  // A client that drops flag documents cannot serve the admin API: said at start-up, not on the first request.
  let lean: unknown;
  try {
    await Test.createTestingModule({
      imports: [
        FeatureFlagModule.forRoot({ retainFlagDocuments: false, logger: silentLogger }),
        FeatureFlagAdminModule.forRoot({ auth: { apiKeys: ['0123456789'] } }),
      ],
    }).compile();
  } catch (error) {
    lean = error;
  }
  assert.ok(lean instanceof AdminOptionsError);
  assert.match(lean.message, /retainFlagDocuments: true/);
});

for (const platform of platforms) {
  test(`${platform}: a guard class authenticates, and the user it found is the actor`, async () => {
    const app = await createAdminApp(platform, { admin: { auth: { guard: HeaderUserGuard } } });
    const http = request(app.getHttpServer());
    try {
      await http.get(`${ADMIN}/flags`).expect(401);
      const created = await http.post(`${ADMIN}/flags`).set('x-user', 'carol').send(checkoutFlag());
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await http
        .patch(`${ADMIN}/flags/checkout-v2`)
        .set('x-user', 'dave')
        .send({ enabled: false })
        .expect(200);
      const audit = await http.get(`${ADMIN}/audit`).set('x-user', 'eve');
      assert.deepEqual(
        audit.body.items.map((e: { actor: string; action: string }) => [e.actor, e.action]),
        [
          ['dave', 'update'],
          ['carol', 'create'],
        ],
      );
    } finally {
      await app.close();
    }
  });

  test(`${platform}: a canActivate function with an actor function, keys from forRootAsync, another prefix`, async () => {
    const app = await createAdminApp(platform, {
      admin: {
        path: 'ops/flags-admin',
        auth: {
          canActivate: (context) =>
            context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-team'] ===
            'ops',
          actor: (req: { headers: Record<string, string> }) => `ops:${req.headers['x-person']}`,
        },
      },
    });
    const http = request(app.getHttpServer());
    try {
      await http.get(`${ADMIN}/flags`).set('x-team', 'ops').expect(404); // not mounted there
      await http.get('/ops/flags-admin/flags').set('x-team', 'dev').expect(401);
      await http
        .post('/ops/flags-admin/flags')
        .set('x-team', 'ops')
        .set('x-person', 'fay')
        .send(checkoutFlag())
        .expect(201);
      const audit = await http.get('/ops/flags-admin/audit').set('x-team', 'ops');
      assert.equal(audit.body.items[0].actor, 'ops:fay');
    } finally {
      await app.close();
    }

    const asyncApp = await createAdminApp(platform, {
      adminModule: FeatureFlagAdminModule.forRootAsync({
        path: 'second-admin',
        imports: [ConfigModule],
        inject: [AdminConfig],
        useFactory: (config: AdminConfig) => ({
          auth: { apiKeys: [{ key: config.keys[0], actor: 'from-config' }] },
        }),
      }),
    });
    const second = request(asyncApp.getHttpServer());
    try {
      await second.get('/second-admin/flags').set('x-api-key', 'unused-0123456789').expect(401);
      const created = await second
        .post('/second-admin/flags')
        .set('x-api-key', 'config-key-0123456789')
        .send(checkoutFlag());
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.audit.actor, 'from-config');
    } finally {
      await asyncApp.close();
    }

    // A guard class named by forRootAsync's factory (not known when the module is declared) is created there.
    const guarded = await createAdminApp(platform, {
      adminModule: FeatureFlagAdminModule.forRootAsync({
        useFactory: () => ({ auth: { guard: HeaderUserGuard } }),
      }),
    });
    try {
      const http = request(guarded.getHttpServer());
      await http.get(`${ADMIN}/flags`).expect(401);
      const created = await http.post(`${ADMIN}/flags`).set('x-user', 'gus').send(checkoutFlag());
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.audit.actor, 'gus');
    } finally {
      await guarded.close();
    }
  });
}
