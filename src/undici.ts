// undici, the parts of it the gateway uses: Pool, the error classes, and request() on a pool.
// `import 'undici'` loads everything undici has (fetch, WebSocket, EventSource, cache stores, mock
// agents, interceptors, proxy agents): 109 modules, ~14 MB of RSS and tens of ms at every start,
// for three things. These come from undici's own files instead (29 modules), put together as its
// index does: request() and the other API methods are mixed into Dispatcher.prototype there.
// test/unit/undici.test.ts fails if an undici upgrade moves them or they stop being the same
// classes the index exports.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);
const Dispatcher = require('undici/lib/dispatcher/dispatcher') as { prototype: object & { request?: unknown } };
if (Dispatcher.prototype.request === undefined) Object.assign(Dispatcher.prototype, require('undici/lib/api') as object);

export const Pool = require('undici/lib/dispatcher/pool') as typeof Undici.Pool;
export type Pool = Undici.Pool;
export const errors = require('undici/lib/core/errors') as typeof Undici.errors;
export type { Dispatcher } from 'undici';
