// Which authentication a request uses, decided from its headers alone so the HTTP layer can route
// it before reading anything else. A request with X-Auth-Token stays on the token path exactly as
// before, whatever else it carries; otherwise an Authorization header means AK/SK (the verifier
// then refuses algorithms other than SDK-HMAC-SHA256 with a precise code).
import type { IncomingHttpHeaders } from 'node:http';

export type AuthMethod = 'token' | 'aksk' | 'none';

export function authMethodOf(headers: IncomingHttpHeaders): AuthMethod {
  const token = headers['x-auth-token'];
  if (typeof token === 'string' && token.trim() !== '') return 'token';
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.trim() !== '') return 'aksk';
  return 'none';
}
