// src/generated/: the committed validators are exactly what ajv compiles the schemas to
// (scripts/validators.ts), so a schema edit without `npm run validators` fails here, and each one
// judges as a validator compiled at run time from the same schema with the same options would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { buildValidators } from '../scripts/validators.ts';
import { ACTION_SCHEMAS, UPDATE_SCHEMA, VALIDATOR_NAMES } from '../src/http/body-schemas.ts';
import * as compiled from '../src/generated/legacy-validators.js';

const ROOT = new URL('../', import.meta.url);

describe('generated validators', () => {
  it('are what the schemas compile to (npm run validators)', () => {
    for (const [path, text] of Object.entries(buildValidators())) assert.equal(readFileSync(new URL(path, ROOT), 'utf8'), text, `${path} is stale: run npm run validators`);
  });

  it('judge bodies as ajv compiling the same schema at run time does', () => {
    const ajv = new Ajv({ allErrors: false, strict: true });
    const samples: unknown[] = [null, {}, [], 'x', 0, { replications: [] }, { replications: [{ id: 'a', new_size: 20 }] }, { replications: [{ id: 'a b', new_size: -1 }] },
      { replication_consistency_group: { name: 'n' } }, { replication_consistency_group: { name: 'n', extra: 1 } }, { replication_consistency_group: { remove_replication_ids: ['x'] } }];
    for (const [key, schema] of [...Object.entries(ACTION_SCHEMAS), ['update', UPDATE_SCHEMA] as const]) {
      const runtime = ajv.compile(schema);
      const ahead = (compiled as Record<string, typeof runtime>)[VALIDATOR_NAMES[key]!]!;
      for (const body of samples) {
        assert.equal(ahead(body), runtime(body), `${key} on ${JSON.stringify(body)}`);
        assert.deepEqual(ahead.errors ?? null, runtime.errors ?? null, `${key} errors on ${JSON.stringify(body)}`);
      }
    }
  });
});
