// X-Auth-Token checks for the SDRS routes, and the tokens the emulator's IAM subset issues.
// Without an allow-list any non-empty token is accepted (tests and the demo send made-up ones);
// a token the emulator issued itself is checked for real: expiry and project scope.

import { randomBytes } from 'node:crypto';
import { SdrsError } from './errors.ts';

export interface IssuedToken {
  userId: string;
  userName: string;
  domainId: string;
  domainName: string;
  projectId: string;
  projectName: string;
  issuedAt: number;
  expiresAt: number;
}

/** OTC tokens are long opaque strings starting with "MII"; so are these, and they are random. */
const newToken = (): string => `MII${randomBytes(96).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;

export class TokenBook {
  readonly #allow: Set<string> | undefined;
  readonly #issued = new Map<string, IssuedToken>();
  readonly #now: () => number;

  constructor(allowList: string[] | undefined, now: () => number) {
    this.#allow = allowList ? new Set(allowList) : undefined;
    this.#now = now;
  }

  issue(info: Omit<IssuedToken, 'issuedAt' | 'expiresAt'>, ttlMs: number): { token: string; record: IssuedToken } {
    const now = this.#now();
    const record = { ...info, issuedAt: now, expiresAt: now + ttlMs };
    const token = newToken();
    this.#issued.set(token, record);
    return { token, record };
  }

  /** The record of a token this emulator issued and that has not expired. */
  valid(token: string): IssuedToken | undefined {
    const rec = this.#issued.get(token);
    return rec && rec.expiresAt > this.#now() ? rec : undefined;
  }

  /** Throws the SDRS.0002 refusal unless `token` may call `projectId`. */
  check(token: string, projectId: string, status: number): void {
    const issued = this.#issued.get(token);
    if (issued) {
      if (issued.expiresAt <= this.#now()) throw new SdrsError('SDRS.0002', 'token has expired', status);
      if (issued.projectId !== projectId) throw new SdrsError('SDRS.0002', `token is scoped to another project, not ${projectId}`, status);
      return;
    }
    if (this.#allow && !this.#allow.has(token)) throw new SdrsError('SDRS.0002', 'token is not accepted', status);
  }
}
