// The JSON Schemas of the legacy request bodies (schemas/legacy/), by legacy action key and for the
// update body. They feed the validators (compiled ahead of time by scripts/validators.ts into
// src/generated/) and the OpenAPI document, so neither can drift from the other.
import extendSchema from '../../schemas/legacy/os-extend-replication-volumes.json' with { type: 'json' };
import failoverSchema from '../../schemas/legacy/os-failover-replication-consistency-group.json' with { type: 'json' };
import reprotectSchema from '../../schemas/legacy/os-reprotect-replication-consistency-group.json' with { type: 'json' };
import reverseSchema from '../../schemas/legacy/os-reverse-replication-consistency-group.json' with { type: 'json' };
import stopSchema from '../../schemas/legacy/os-stop-replication-consistency-group.json' with { type: 'json' };
import syncSchema from '../../schemas/legacy/os-sync-replication-consistency-group.json' with { type: 'json' };
import updateSchema from '../../schemas/legacy/update-replication-consistency-group.json' with { type: 'json' };

/** The JSON Schema of each action body, by legacy key. */
export const ACTION_SCHEMAS: Readonly<Record<string, object>> = {
  'os-sync-replication-consistency-group': syncSchema,
  'os-stop-replication-consistency-group': stopSchema,
  'os-failover-replication-consistency-group': failoverSchema,
  'os-reverse-replication-consistency-group': reverseSchema,
  'os-reprotect-replication-consistency-group': reprotectSchema,
  'os-extend-replication-volumes': extendSchema,
};

/** The JSON Schema of the update body (PUT .../os-vendor-replication-consistency-groups/{id}). */
export const UPDATE_SCHEMA: object = updateSchema;

/** The name each body's validator is exported under in src/generated/legacy-validators.js. */
export const VALIDATOR_NAMES: Readonly<Record<string, string>> = {
  'os-sync-replication-consistency-group': 'sync',
  'os-stop-replication-consistency-group': 'stop',
  'os-failover-replication-consistency-group': 'failover',
  'os-reverse-replication-consistency-group': 'reverse',
  'os-reprotect-replication-consistency-group': 'reprotect',
  'os-extend-replication-volumes': 'extend',
  update: 'update',
};
