// docs/openapi.json: the committed document is exactly what the gateway serves and what
// src/http/openapi.ts builds, it declares how clients authenticate, and the real Redocly CLI
// (devDependency @redocly/cli, no network needed) lints it clean under its recommended rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApi, renderOpenApi } from '../src/http/openapi.ts';
import { startStack, type Stack } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOC_FILE = join(ROOT, 'docs/openapi.json');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Redocly's JSON report for a file, run as CI runs it (its own telemetry off via redocly.yaml). */
function redoclyLint(file: string): { totals: { errors: number; warnings: number; ignored: number }; problems: { ruleId: string }[] } {
  const r = spawnSync(process.execPath, [REDOCLY, 'lint', file, '--format=json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
  assert.equal(r.error, undefined, String(r.error));
  return JSON.parse(r.stdout);
}

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack.close());

describe('docs/openapi.json', () => {
  const committed = readFileSync(DOC_FILE, 'utf8');

  it('is what src/http/openapi.ts builds (npm run openapi writes it) and what GET /openapi.json serves', async () => {
    assert.equal(committed, renderOpenApi(), 'docs/openapi.json is stale: run `npm run openapi`');
    const res = await stack.api.get('/openapi.json');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, JSON.parse(committed));
    const check = spawnSync(process.execPath, [join(ROOT, 'scripts/openapi.ts'), '--check'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('declares the token and AK/SK schemes, servers, the license and one operationId per operation', () => {
    const doc: Doc = buildOpenApi();
    assert.deepEqual(doc.components.securitySchemes.token, { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: doc.components.securitySchemes.token.description });
    assert.equal(doc.components.securitySchemes.aksk.type, 'apiKey');
    assert.equal(doc.components.securitySchemes.aksk.name, 'Authorization');
    assert.match(doc.components.securitySchemes.aksk.description, /SDK-HMAC-SHA256/);
    assert.deepEqual(doc.security, [{ token: [] }, { aksk: [] }]);
    assert.ok(doc.servers.length >= 1);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; version: string };
    assert.equal(doc.info.license.identifier, pkg.license);
    assert.equal(doc.info.version, pkg.version);
    const paths = Object.entries(doc.paths as Record<string, Record<string, Doc>>);
    const ops = paths.flatMap(([path, byMethod]) => Object.values(byMethod).map((op) => ({ path, op })));
    const ids = ops.map(({ op }) => op.operationId as string);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    // The operational endpoints need no credential; no legacy route names the token as a plain parameter.
    for (const { path, op } of ops) {
      if (!path.startsWith('/v2/')) assert.deepEqual(op.security, [], path);
      assert.ok(!(op.parameters ?? []).some((p: Doc) => /^x-auth-token$|^authorization$/i.test(p.name)), `${path}: credentials are a security scheme`);
    }
  });

  it('passes redocly lint (recommended rules) with no error and no warning', () => {
    const report = redoclyLint('docs/openapi.json');
    assert.deepEqual(report.problems, []);
    assert.equal(report.totals.errors, 0);
    assert.equal(report.totals.warnings, 0);
  });

  it('the lint is real: the same document without its security declarations fails it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const doc: Doc = JSON.parse(committed);
      delete doc.security;
      delete doc.components.securitySchemes;
      delete doc.servers;
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const report = redoclyLint(file);
      assert.ok(report.totals.errors > 0);
      const rules = new Set(report.problems.map((p) => p.ruleId));
      assert.ok(rules.has('security-defined') && rules.has('no-empty-servers'), [...rules].join(', '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
