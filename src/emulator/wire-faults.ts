// Writing the broken responses of wire-level fault rules. Each one imitates something a client
// meets in production between it and SDRS: a slow or dead upstream, a proxy's HTML error page,
// empty or non-JSON bodies, a connection cut mid-body or reset before any answer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './errors.ts';
import type { FaultRule } from './faults.ts';
import { JSON_TYPE, type Parking } from './http.ts';

const HTML_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;

/** Bytes that are not JSON in any encoding: a NUL, invalid UTF-8 and stray markup. */
const GARBAGE = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x9c]), Buffer.from('<<not json>>{"job_id":')]);

/**
 * Apply `rule` to this request. Resolves 'continue' when the request should then be handled
 * normally (latency), 'done' when the fault has answered (or deliberately not answered) it.
 */
export async function applyWireFault(rule: FaultRule, req: IncomingMessage, res: ServerResponse, parking: Parking): Promise<'continue' | 'done'> {
  switch (rule.type) {
    case 'latency':
      return (await parking.delay(res, rule.delayMs ?? 1000)) ? 'continue' : 'done';
    case 'hang':
      parking.hang(res);
      return 'done';
    case 'status': {
      const status = rule.status ?? 500;
      const body = rule.body === undefined
        ? JSON.stringify(errorBody(rule.errorCode ?? 'SDRS.0013', 'Injected by the SDRS emulator'))
        : typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body);
      res.writeHead(status, { 'content-type': rule.contentType ?? JSON_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return 'done';
    }
    case 'html':
      res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(HTML_502) });
      res.end(HTML_502);
      return 'done';
    case 'empty':
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': 0 });
      res.end();
      return 'done';
    case 'garbage':
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': GARBAGE.length });
      res.end(GARBAGE);
      return 'done';
    case 'truncated': {
      // Promise a larger body than is sent, flush the start, then cut the connection: the
      // client sees a premature close in the middle of a JSON document.
      const partial = '{"job_id": "0000000062db92d70162db9d200f';
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(partial) + 512 });
      res.write(partial, () => req.socket.destroy());
      return 'done';
    }
    case 'reset':
      req.socket.destroy();
      return 'done';
    default:
      // Job faults are not wire faults; the registry never hands them here.
      return 'continue';
  }
}
