// Validation of legacy action bodies. The structure (an object with exactly one known action key)
// is checked here with messages a legacy client can act on; the value of each action is checked by
// its JSON Schema in schemas/legacy/, compiled ahead of time by ajv (scripts/validators.ts). ajv runs without
// allErrors: the first error is enough for the message, and allErrors on untrusted input is a DoS lever.
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as compiled from '../generated/legacy-validators.js';
import { LEGACY_ACTION_KEYS, ruleForKey, type ActionRule } from '../translate/actions.ts';
import { E, quoteUserText } from '../errors.ts';
import { isPlainObject } from '../json.ts';
import { ACTION_SCHEMAS, VALIDATOR_NAMES } from './body-schemas.ts';

export { ACTION_SCHEMAS } from './body-schemas.ts';

/** The compiled validator of each action body, by legacy key (scripts/validators.ts, src/generated/). */
const byName = compiled as Record<string, ValidateFunction>;
const VALIDATORS = new Map<string, ValidateFunction>(Object.keys(ACTION_SCHEMAS).map((key) => [key, byName[VALIDATOR_NAMES[key]!]!]));
for (const key of LEGACY_ACTION_KEYS) if (typeof VALIDATORS.get(key) !== 'function') throw new Error(`no compiled validator for legacy action ${key}: run npm run validators`);

export interface ValidatedAction {
  rule: ActionRule;
  /** The value under the action key, schema-checked. */
  value: unknown;
}

const EXPECTED = `expected exactly one of: ${LEGACY_ACTION_KEYS.join(', ')}`;

/** The action a body names, if it names exactly one known action; for metric labels of refusals. */
export function identifyAction(body: unknown): ActionRule | undefined {
  if (!isPlainObject(body)) return undefined;
  const keys = Object.keys(body);
  return keys.length === 1 ? ruleForKey(keys[0]!) : undefined;
}

export function validateActionBody(body: unknown): ValidatedAction {
  if (!isPlainObject(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw E.not_object(got, EXPECTED);
  }
  const keys = Object.keys(body);
  if (keys.length === 0) throw E.key_count('no action key', EXPECTED);
  if (keys.length > 1) {
    const shown = keys.slice(0, 5).map((k) => quoteUserText(k)).join(', ');
    // The extend page's parameter table shows `replications` beside the action key; the example
    // (and every client) nests it. Say so instead of only "too many keys".
    const hint = keys.includes('os-extend-replication-volumes') && keys.includes('replications') ? ' Put "replications" inside "os-extend-replication-volumes".' : '';
    throw E.key_count(`too many body keys (${keys.length}: ${shown}${keys.length > 5 ? ', …' : ''})`, EXPECTED, hint);
  }
  const key = keys[0]!;
  const rule = ruleForKey(key);
  if (!rule) throw E.unknown_action(quoteUserText(key), EXPECTED);
  const validate = VALIDATORS.get(key)!;
  if (!validate(body)) throw E.invalid_value(key, describeAjvError(key, validate.errors?.[0]));
  return { rule, value: body[key] };
}

/** A JSON Pointer (ajv's instancePath) as the dotted/bracketed path a message names. */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function describeAjvError(key: string, error: ErrorObject | undefined): string {
  if (!error) return 'the value does not match the documented form';
  const where = pointerToPath(error.instancePath) || key;
  if (key !== 'os-extend-replication-volumes' && error.instancePath === `/${key}`) {
    return `the value must be null (an empty object is also accepted)`;
  }
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where} has an unexpected field ${quoteUserText(String((error.params as { additionalProperty: string }).additionalProperty))}`;
    case 'required':
      return `${where} is missing the required field "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'type':
      return `${where} must be ${(error.params as { type: string }).type === 'integer' ? 'an integer' : `of type ${(error.params as { type: string }).type}`}`;
    case 'pattern':
      return `${where} must be 1 to 64 characters from A-Z, a-z, 0-9 and '-'`;
    case 'minItems':
      return `${where} must list at least one replication`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}
