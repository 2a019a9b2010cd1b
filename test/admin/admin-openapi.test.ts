/**
 * OpenAPI: with `@nestjs/swagger` the document lists every admin route (under its prefix) and the admin DTOs with
 * their nested documents; without it (a process where it cannot be resolved) the admin module starts and works,
 * and the compiled admin entry never imports it statically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createAdminApp, platforms } from './admin-fixtures.js';

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { tags?: string[]; parameters?: Array<{ name: string; in: string }> }>
  >;
  components: {
    schemas: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
  };
}

for (const platform of platforms) {
  test(`${platform}: the OpenAPI document lists the admin routes and DTOs`, async () => {
    const app = await createAdminApp(platform);
    try {
      const doc = SwaggerModule.createDocument(
        app,
        new DocumentBuilder().setTitle('shop').addBearerAuth().build(),
      ) as unknown as OpenApiDocument;
      const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      for (const route of [
        'GET /switchyard/api/flags',
        'POST /switchyard/api/flags',
        'GET /switchyard/api/flags/{key}',
        'PUT /switchyard/api/flags/{key}',
        'PATCH /switchyard/api/flags/{key}',
        'DELETE /switchyard/api/flags/{key}',
        'GET /switchyard/api/segments',
        'POST /switchyard/api/segments',
        'GET /switchyard/api/segments/{id}',
        'PUT /switchyard/api/segments/{id}',
        'DELETE /switchyard/api/segments/{id}',
        'GET /switchyard/api/switches',
        'GET /switchyard/api/switches/{name}',
        'PUT /switchyard/api/switches/{name}',
        'PATCH /switchyard/api/switches/{name}',
        'DELETE /switchyard/api/switches/{name}',
        'POST /switchyard/api/evaluate',
        'GET /switchyard/api/export',
        'POST /switchyard/api/import',
        'GET /switchyard/api/experiments/{flagKey}',
        'GET /switchyard/api/audit',
        'GET /switchyard/api/audit/stream',
      ]) {
        assert.ok(routes.includes(route), `${route} is documented (have: ${routes.join(', ')})`);
      }
      assert.deepEqual(doc.paths['/switchyard/api/flags/{key}'].put.tags, ['Switchyard admin: flags']);
      assert.ok(
        doc.paths['/switchyard/api/flags/{key}'].put.parameters?.some(
          (p) => p.name === 'If-Match' && p.in === 'header',
        ),
      );
      const schemas = doc.components.schemas;
      for (const name of [
        'FlagDocumentDto',
        'RuleDto',
        'ConditionDto',
        'RolloutVariationDto',
        'SegmentDocumentDto',
        'SwitchDocumentDto',
        'SwitchConditionDto',
        'FlagPatchDto',
        'EvaluateDto',
        'ImportDto',
      ]) {
        assert.ok(schemas[name], `schema ${name} (have: ${Object.keys(schemas).join(', ')})`);
      }
      const flag = schemas.FlagDocumentDto;
      assert.ok(flag.required?.includes('key') && flag.required.includes('variations'));
      assert.ok(!flag.required?.includes('rules'));
      assert.deepEqual(flag.properties.rules.items, { $ref: '#/components/schemas/RuleDto' });
      assert.deepEqual(schemas.RuleDto.properties.conditions.items, {
        $ref: '#/components/schemas/ConditionDto',
      });
      assert.ok((schemas.ConditionDto.properties.op.enum as string[]).includes('MatchRegex'));
      assert.deepEqual(flag.properties.variationType.enum, ['boolean', 'number', 'string', 'json']);
    } finally {
      await app.close();
    }
  });
}

test('without @nestjs/swagger the admin module starts and works on both platforms', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const output = execFileSync(
    process.execPath,
    ['--import', join(here, 'block-swagger.register.js'), join(here, 'no-swagger.child.js')],
    { encoding: 'utf8', env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const report = JSON.parse(output.trim().split('\n').pop() as string) as Record<string, unknown>;
  assert.equal(report.swagger, 'ERR_MODULE_NOT_FOUND', 'the child really cannot load @nestjs/swagger');
  assert.deepEqual(report.express, [201, 200, 'checkout-v2']);
  assert.deepEqual(report.fastify, [201, 200, 'checkout-v2']);
  assert.match(String(report.document), /needs @nestjs\/swagger: install it/);
});

test('the compiled admin entry imports @nestjs/swagger only lazily', () => {
  const lib = fileURLToPath(new URL('../../lib/', import.meta.url));
  const files = [
    join(lib, 'admin.js'),
    ...readdirSync(join(lib, 'admin'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => join(lib, 'admin', file)),
  ];
  const lazy: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(
      text,
      /^\s*import[^(]*['"]@nestjs\/swagger/m,
      `${file} imports @nestjs/swagger statically`,
    );
    if (text.includes("import('@nestjs/swagger')")) lazy.push(file);
  }
  assert.deepEqual(
    lazy.map((file) => file.slice(lib.length)),
    ['admin/document-switchyard-admin.js'],
  );
});
