// The error catalogue (src/errors.ts) and its documentation (docs/errors.md) must agree, and every
// factory must build the envelope the table promises.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { E, ERRORS, VALIDATION_CODES, faultName, type ErrorCode } from '../src/errors.ts';
import { VALIDATION_REASONS } from '../src/observability/metrics.ts';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => /^\| `[a-z_]+` \|/.test(l))
  .map((l) => {
    const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    return { code: cells[0]!.replace(/`/g, ''), status: Number(cells[1]), fault: cells[2]!.replace(/`/g, ''), validation: cells[3] === 'yes', message: cells[4]!.replace(/\\\|/g, '|') };
  });

describe('error catalogue', () => {
  it('docs/errors.md lists every code, in order, with its status, fault, validation flag and message', () => {
    const codes = Object.keys(ERRORS) as ErrorCode[];
    assert.deepEqual(rows.map((r) => r.code), codes);
    for (const row of rows) {
      const spec = ERRORS[row.code as ErrorCode];
      assert.equal(row.status, spec.status, row.code);
      assert.equal(row.fault, faultName(spec.status), row.code);
      assert.equal(row.validation, 'validation' in spec, row.code);
      assert.equal(row.message, spec.message, row.code);
    }
  });

  it('each factory fills its template in order and answers in the envelope', () => {
    const err = E.invalid_id('project_id', '"a b"');
    assert.equal(err.code, 'invalid_id');
    assert.equal(err.status, 400);
    assert.deepEqual(err.toEnvelope(), { badRequest: { message: `Invalid project_id "a b": expected 1 to 64 characters from A-Z, a-z, 0-9 and '-'.`, code: 400 } });
    assert.deepEqual(E.sdrs_unavailable('get_server_group').headers, { 'Retry-After': '5' });
    assert.equal(E.job_failed('j', 'op', 'r', 'SDRS.1').withStatus(400).toEnvelope().badRequest?.code, 400);
  });

  it('the validation-failure metric reasons are exactly the validation codes', () => {
    assert.deepEqual([...VALIDATION_REASONS], [...VALIDATION_CODES]);
    assert.ok(VALIDATION_CODES.includes('invalid_id') && !VALIDATION_CODES.includes('sdrs_error'));
  });
});
