// The legacy body schemas are compiled on first use (src/http/lazy-validator.ts): every one of
// them must compile as the gateway compiles it (ajv strict), and a validator is compiled once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { lazyValidator } from '../../src/http/lazy-validator.ts';
import { ACTION_SCHEMAS } from '../../src/http/validate.ts';
import { UPDATE_SCHEMA } from '../../src/http/write-body.ts';

describe('lazyValidator', () => {
  it('compiles every legacy body schema under ajv strict mode', () => {
    const ajv = new Ajv({ allErrors: false, strict: true });
    for (const [key, schema] of [...Object.entries(ACTION_SCHEMAS), ['update', UPDATE_SCHEMA] as const]) {
      assert.equal(typeof lazyValidator(ajv, schema)(), 'function', key);
    }
  });
  it('compiles on the first call only, and not before', () => {
    let compiles = 0;
    const ajv = new Ajv({ strict: true });
    const compile = ajv.compile.bind(ajv);
    ajv.compile = ((s: object) => (compiles++, compile(s))) as typeof ajv.compile;
    const get = lazyValidator(ajv, { type: 'object' });
    assert.equal(compiles, 0);
    const v = get();
    assert.equal(get(), v);
    assert.equal(compiles, 1);
    assert.equal(v([]), false);
  });
});
