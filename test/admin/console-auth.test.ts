/**
 * Who gets the console: the page, and the data, only for an authenticated caller (an API key's session cookie, or
 * the application's own guard); forged, expired and foreign sessions get nothing; writes that a browser could
 * have sent for a page of another origin are refused (cross-site request forgery). Over real HTTP, both platforms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createHash } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/index.js';
import { AdminOptionsError, FeatureFlagAdminModule } from '../../lib/admin.js';
import type { SwitchRecord } from '../../lib/core/switches/switch-record.js';
import { READER_KEY, WRITER_KEY, createAdminApp, defaultAuth, platforms } from './admin-fixtures.js';

const PAGE = '/switchyard';
const API = '/switchyard/api';

/** The session cookie `Set-Cookie` gave, as a `Cookie` header value. */
function cookieOf(setCookie: string | string[] | undefined): string {
  const line = [setCookie ?? []].flat().find((value) => value.startsWith('switchyard_console='));
  assert.ok(line, `a session cookie was set: ${String(setCookie)}`);
  return line.split(';')[0];
}

/** A session token made by hand for a key (the documented format), to forge and to age. */
function tokenFor(key: string, expires: number, signingKey = key): string {
  const digest = createHash('sha256').update(key).digest();
  const fingerprint = digest.toString('hex').slice(0, 8);
  const signing = createHash('sha256').update(signingKey).digest();
  const mac = createHmac('sha256', signing).update(`switchyard-console|${fingerprint}|${expires}`).digest();
  return `switchyard_console=v1.${fingerprint}.${expires}.${mac.toString('base64url')}`;
}

const switchState = (app: INestApplication, name: string): string | undefined =>
  (app.get(FeatureFlagClient).store.record('switch', `default.${name}`)?.data as SwitchRecord | undefined)
    ?.state;

for (const platform of platforms) {
  test(`${platform}: without authorisation, no page and no data`, async () => {
    const app = await createAdminApp(platform);
    try {
      const http = request(app.getHttpServer());
      const now = Math.floor(Date.now() / 1000);
      for (const cookie of [
        undefined,
        'switchyard_console=garbage',
        tokenFor(WRITER_KEY, now + 3600, 'a-key-the-server-never-had'), // forged: signed with another key
        tokenFor(WRITER_KEY, now - 1), // expired
        tokenFor('removed-key-0123456789', now + 3600), // a key that is not (or no longer) configured
      ]) {
        const page = await (cookie ? http.get(PAGE).set('cookie', cookie) : http.get(PAGE));
        assert.equal(page.status, 401, String(cookie));
        assert.doesNotMatch(page.text, /app\.js|switchyard-api|importmap/, 'the console itself is not sent');
        assert.match(page.text, /<form class="key"/);
        for (const path of ['/flags', '/switches', '/segments', '/audit', '/export']) {
          const data = await (cookie ? http.get(API + path).set('cookie', cookie) : http.get(API + path));
          assert.equal(data.status, 401, `${path} with ${String(cookie)}`);
        }
      }
      // a wrong key signs nobody in
      const wrong = await http.post(`${PAGE}/session`).send({ key: 'not-a-key-0123456789' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers['set-cookie'], undefined);
      const invalid = await http.post(`${PAGE}/session`).send({ key: 42 });
      assert.equal(invalid.status, 400);
      // a made-by-hand token for a configured key works: the format is what the test says
      const handMade = await http.get(`${API}/flags`).set('cookie', tokenFor(WRITER_KEY, now + 60));
      assert.equal(handMade.status, 200);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: signing in sets an HttpOnly cookie that opens the page and the API; signing out ends it`, async () => {
    const app = await createAdminApp(platform);
    try {
      const http = request(app.getHttpServer());
      const signedIn = await http.post(`${PAGE}/session`).send({ key: WRITER_KEY });
      assert.equal(signedIn.status, 204);
      const line = [signedIn.headers['set-cookie'] ?? []].flat()[0];
      assert.match(line, /HttpOnly/i);
      assert.match(line, /SameSite=Lax/i);
      assert.match(line, /Path=\/switchyard(;|$)/);
      assert.match(line, /Max-Age=43200/);
      assert.doesNotMatch(line, new RegExp(WRITER_KEY.slice(0, 8)), 'the key is not in the cookie');
      const cookie = cookieOf(signedIn.headers['set-cookie']);
      const page = await http.get(PAGE).set('cookie', cookie);
      assert.equal(page.status, 200);
      assert.match(page.text, /assets\/app\.js/);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.equal((await http.get(`${API}/flags`).set('cookie', cookie)).status, 200);
      const put = await http.put(`${API}/switches/by-cookie`).set('cookie', cookie).send({ state: 'global' });
      assert.equal(put.status, 200, put.text);
      const [entry] = await app.get(FeatureFlagClient).writer.readAudit({ limit: 1 });
      assert.equal(entry.actor, 'ann', "the cookie's key names the actor");
      const out = await http.delete(`${PAGE}/session`).set('cookie', cookie);
      assert.equal(out.status, 204);
      assert.match([out.headers['set-cookie'] ?? []].flat()[0], /switchyard_console=;.*Max-Age=0/i);
      // a read-only key's session may read, never write
      const reader = cookieOf(
        (await http.post(`${PAGE}/session`).send({ key: READER_KEY })).headers['set-cookie'],
      );
      assert.equal((await http.get(`${API}/flags`).set('cookie', reader)).status, 200);
      const refused = await http
        .put(`${API}/switches/by-reader`)
        .set('cookie', reader)
        .send({ state: 'global' });
      assert.equal(refused.status, 403);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: writes with browser credentials from another origin are refused (CSRF)`, async () => {
    // the application's own guard reads a session cookie, as most login guards do
    const app = await createAdminApp(platform, {
      admin: {
        auth: {
          apiKeys: defaultAuth.apiKeys,
          canActivate: (context) =>
            String(
              context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers.cookie,
            ).includes('app-session=ok'),
          trustedOrigins: ['https://admin.example.com'],
        },
      },
    });
    try {
      const http = request(app.getHttpServer());
      const host = `127.0.0.1:${(app.getHttpServer().address() as { port: number } | null)?.port ?? 0}`;
      const write = (name: string, headers: Record<string, string>) =>
        http
          .put(`${API}/switches/${name}`)
          .set({ cookie: 'app-session=ok', ...headers })
          .send({ state: 'global' });
      for (const [name, headers] of [
        ['evil-origin', { origin: 'https://evil.example' }],
        ['null-origin', { origin: 'null' }],
        ['same-site', { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:1' }],
        ['cross-site', { 'sec-fetch-site': 'cross-site' }],
      ] as const) {
        const response = await write(name, headers);
        assert.equal(response.status, 403, `${name}: ${response.text}`);
        assert.match(response.body.message, /another origin/);
        assert.equal(switchState(app, name), undefined, `${name}: nothing written`);
      }
      // reads are not writes; the app's own origin, a trusted origin, and non-browser callers write
      assert.equal(
        (await http.get(`${API}/switches`).set({ cookie: 'app-session=ok', origin: 'https://evil.example' }))
          .status,
        200,
      );
      for (const [name, headers] of [
        ['same-origin', { 'sec-fetch-site': 'same-origin', origin: `http://${host}` }],
        ['origin-only', { origin: `http://${host}` }],
        ['trusted', { 'sec-fetch-site': 'cross-site', origin: 'https://admin.example.com' }],
        ['curl', {}],
      ] as const) {
        const response = await write(name, { ...headers, host });
        assert.equal(response.status, 200, `${name}: ${response.text}`);
        assert.equal(switchState(app, name), 'global');
      }
      // an API key in a header cannot be sent by another site's page: no origin check for it
      const withKey = await http
        .put(`${API}/switches/with-key`)
        .set({ authorization: `Bearer ${WRITER_KEY}`, origin: 'https://elsewhere.example' })
        .send({ state: 'global' });
      assert.equal(withKey.status, 200, withKey.text);
      assert.equal(switchState(app, 'with-key'), 'global');
    } finally {
      await app.close();
    }
  });
}

test('console.sessionSeconds sets the session lifetime; a bad value stops the start', async () => {
  const app = await createAdminApp('express', { admin: { console: { sessionSeconds: 60 } } });
  try {
    const signedIn = await request(app.getHttpServer()).post(`${PAGE}/session`).send({ key: WRITER_KEY });
    assert.match([signedIn.headers['set-cookie'] ?? []].flat()[0], /Max-Age=60(;|$)/);
    const [, , expires] = cookieOf(signedIn.headers['set-cookie']).split('.');
    const left = Number(expires) - Date.now() / 1000;
    assert.ok(left > 55 && left <= 60, `the token expires in ${left} s`);
  } finally {
    await app.close();
  }
  for (const sessionSeconds of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => FeatureFlagAdminModule.forRoot({ auth: defaultAuth, console: { sessionSeconds } }),
      (error: unknown) => error instanceof AdminOptionsError && /console\.sessionSeconds/.test(error.message),
    );
  }
});

test('under a global prefix the page, its files, the session cookie and the API all live below it', async () => {
  for (const platform of platforms) {
    const app = await createAdminApp(platform, { globalPrefix: 'api/v1' });
    try {
      const http = request(app.getHttpServer());
      const signInPage = await http.get('/api/v1/switchyard');
      assert.equal(signInPage.status, 401);
      assert.match(signInPage.text, /src="\/api\/v1\/switchyard\/assets\/signin\.js"/);
      assert.match(signInPage.text, /data-session="\/api\/v1\/switchyard\/session"/);
      assert.equal((await http.get('/api/v1/switchyard/assets/signin.js')).status, 200);
      const signedIn = await http.post('/api/v1/switchyard/session').send({ key: WRITER_KEY });
      assert.equal(signedIn.status, 204);
      assert.match([signedIn.headers['set-cookie'] ?? []].flat()[0], /Path=\/api\/v1\/switchyard(;|$)/);
      const cookie = cookieOf(signedIn.headers['set-cookie']);
      const page = await http.get('/api/v1/switchyard').set('cookie', cookie);
      assert.equal(page.status, 200);
      assert.match(page.text, /<meta name="switchyard-api" content="\/api\/v1\/switchyard\/api"/);
      assert.match(page.text, /"preact": "\/api\/v1\/switchyard\/vendor\/preact\.mjs"/);
      assert.equal((await http.get('/api/v1/switchyard/api/flags').set('cookie', cookie)).status, 200);
      const moved = await http.get('/api/v1/switchyard/index.html');
      assert.equal(moved.status, 301);
      assert.equal(moved.headers.location, '/api/v1/switchyard');
    } finally {
      await app.close();
    }
  }
});
