// A JSON Schema compiled by ajv on its first use instead of at import: compiling the legacy body
// schemas was ~80 ms of start-up and its code-generation garbage (bench/profile of the start:
// ajv 21% of the CPU, GC 18%), for validators a given gateway may never need. The schemas are the
// repository's own, so compiling late cannot fail on input; test/unit/lazy-validator.test.ts
// compiles every one of them as the gateway does.
import type { Ajv, ValidateFunction } from 'ajv';

export function lazyValidator(ajv: Ajv, schema: object): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => (compiled ??= ajv.compile(schema));
}
