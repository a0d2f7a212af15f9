// An independent model of which legacy action bodies are valid, written from README and the JSON
// Schemas in schemas/legacy/ (not from src/legacy/validate.ts), so the fuzzers check the gateway
// against the contract rather than against itself.
import fc from 'fast-check';

export const GROUP_ACTION_KEYS = [
  'os-sync-replication-consistency-group',
  'os-stop-replication-consistency-group',
  'os-failover-replication-consistency-group',
  'os-reverse-replication-consistency-group',
  'os-reprotect-replication-consistency-group',
] as const;
export const EXTEND_KEY = 'os-extend-replication-volumes';
export const ACTION_KEYS = [...GROUP_ACTION_KEYS, EXTEND_KEY] as const;

const ID = /^[A-Za-z0-9-]{1,64}$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether the parsed body is a valid legacy action body (README "The action table", schemas/legacy). */
export function isValidActionBody(body: unknown): boolean {
  if (!isPlainObject(body)) return false;
  const keys = Object.keys(body);
  if (keys.length !== 1) return false;
  const key = keys[0]!;
  const value = body[key];
  if ((GROUP_ACTION_KEYS as readonly string[]).includes(key)) return value === null || (isPlainObject(value) && Object.keys(value).length === 0);
  if (key !== EXTEND_KEY) return false;
  if (!isPlainObject(value) || Object.keys(value).length !== 1 || !Array.isArray(value.replications)) return false;
  const items = value.replications;
  if (items.length < 1 || items.length > 256) return false;
  return items.every((item) => {
    if (!isPlainObject(item)) return false;
    const k = Object.keys(item).sort();
    if (k.length !== 2 || k[0] !== 'id' || k[1] !== 'new_size') return false;
    return typeof item.id === 'string' && ID.test(item.id) && Number.isInteger(item.new_size) && (item.new_size as number) >= 1 && (item.new_size as number) <= 32768;
  });
}

/** Keys that have bitten JavaScript object handling before. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'polluted'];

const anyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ACTION_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS, 'replications', 'id', 'new_size', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

const idLike = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/),
  fc.constantFrom('', '../server-groups', 'a/b', 'a%2Fb', 'x'.repeat(65), 'ünïcode', 'a\u0000b', 'a\r\nb', 'http://evil.example/'),
);
const sizeLike = fc.oneof(fc.integer({ min: -5, max: 40000 }), fc.constantFrom(0, 1, 32768, 32769, 1.5, -0, 1e308, '20', null, true));
const extendItem = fc.oneof(
  { weight: 4, arbitrary: fc.record({ id: idLike, new_size: sizeLike }) },
  { weight: 1, arbitrary: fc.record({ id: idLike, new_size: sizeLike, extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const extendValue = fc.oneof(
  { weight: 4, arbitrary: fc.record({ replications: fc.array(extendItem, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const actionValue = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: extendValue },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Extend bodies of the right shape whose ids and sizes sit on both sides of the limits. */
const extendBody = fc.record({
  [EXTEND_KEY]: fc.record({
    replications: fc.array(fc.record({ id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/), idLike), new_size: fc.oneof(fc.integer({ min: -2, max: 33_000 }), sizeLike) }), { maxLength: 3 }),
  }),
});

/** Objects close to valid action bodies: action keys, hostile keys, plausible and broken values. */
export const nearValidBody = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(anyKey, actionValue, { minKeys: 0, maxKeys: 3 }) },
  { weight: 1, arbitrary: extendBody },
);

/**
 * JSON text with duplicate keys (which JSON.parse resolves last-wins) and `__proto__` members
 * written literally, neither of which JSON.stringify of an object can produce.
 */
export const duplicateKeyText = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...ACTION_KEYS, '__proto__', 'constructor'), fc.string({ maxLength: 8 })), actionValue), { minLength: 1, maxLength: 4 })
  .chain((members) => fc.tuple(fc.constant(members), fc.integer({ min: 0, max: members.length - 1 })))
  .map(([members, dup]) => {
    const all = [...members, [members[dup]![0], members[(dup + 1) % members.length]![1]] as const];
    return `{${all.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
  });
