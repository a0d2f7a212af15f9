// Validation of the legacy update body (PUT .../os-vendor-replication-consistency-groups/{id}) by
// its JSON Schema in schemas/legacy/, compiled ahead of time by ajv (scripts/validators.ts). As for actions, ajv
// stops at the first error (allErrors on untrusted input is a DoS lever) and the message names the field.
import type { ErrorObject } from 'ajv';
import { update as validateUpdate } from '../generated/legacy-validators.js';
import { pointerToPath } from './validate.ts';
import { E, quoteUserText } from '../errors.ts';
import { isPlainObject } from '../json.ts';
import type { UpdateRequest } from '../translate/writes.ts';

export { UPDATE_SCHEMA } from './body-schemas.ts';

function where(error: ErrorObject): string {
  return pointerToPath(error.instancePath) || 'the body';
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'the body does not match the documented form';
  const at = where(error);
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at} has an unexpected field ${quoteUserText(String((error.params as { additionalProperty: string }).additionalProperty))}`;
    case 'required':
      return `${at} is missing the required field "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'type':
      return `${at} must be of type ${(error.params as { type: string }).type}`;
    case 'pattern':
      return `${at} must be a replication id: 1 to 64 characters from A-Z, a-z, 0-9 and '-'`;
    case 'maxLength':
      return `${at} must be at most ${(error.params as { limit: number }).limit} characters`;
    case 'maxItems':
      return `${at} may list at most ${(error.params as { limit: number }).limit} replications`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

/** The checked update request (legacy pair ids), or a legacy 400 naming the first problem. */
export function validateUpdateBody(body: unknown): UpdateRequest {
  if (!isPlainObject(body)) throw E.invalid_value('update body', `expected a JSON object {"replication_consistency_group": {...}}, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}`);
  if (!validateUpdate(body)) throw E.invalid_value('update body', describe(validateUpdate.errors?.[0]));
  return (body as { replication_consistency_group: UpdateRequest }).replication_consistency_group;
}
