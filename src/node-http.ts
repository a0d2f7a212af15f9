// node:http and node:https for the gateway's own modules, taken with process.getBuiltinModule
// instead of an ESM import. An ESM import of node:http builds its module namespace, which reads
// every export, among them the WebSocket, CloseEvent and MessageEvent getters that load Node's
// bundled undici: ~14 MB of RSS for nothing (a bare Node 24 is at 46.7 MB after
// getBuiltinModule('node:http'), at 60.6 MB after import('node:http')). Type imports are free:
// eslint refuses value imports of node:http and node:https in src/ (eslint.config.js).
import type * as Http from 'node:http';
import type * as Https from 'node:https';

export const http: typeof Http = process.getBuiltinModule('node:http');
export const https: typeof Https = process.getBuiltinModule('node:https');
