// The credentials demo seeding adds next to the demo group, so `npm start` can print a token
// login and a signed request that work against the embedded emulator. Deterministic and named as
// demo values on purpose: they are printed on a terminal and must never be mistaken for real ones.

import type { AccessKeyEntry } from './access-keys.ts';
import type { IamUser } from './iam.ts';

export interface DemoCredentials {
  /** AK/SK pair the emulator accepts signatures from, for the seeded project only. */
  accessKey: string;
  secretKey: string;
  /** IAM password login (`POST /v3/auth/tokens`), scoped to the seeded project. */
  user: { name: string; password: string; domain: string };
  /** The seeded project's id and its IAM name (the region name, as OTC names default projects). */
  projectId: string;
  projectName: string;
}

export const DEMO_ACCESS_KEY = 'DEMOACCESSKEY0000000';
export const DEMO_SECRET_KEY = 'demo-secret-key-for-the-sdrs-emulator-only';
export const DEMO_USER = { name: 'demo-user', password: 'demo-password', domain: 'demo-domain' } as const;

export function demoCredentials(projectId: string, region: string): DemoCredentials {
  return { accessKey: DEMO_ACCESS_KEY, secretKey: DEMO_SECRET_KEY, user: { ...DEMO_USER }, projectId, projectName: region };
}

export function demoAccessKey(c: DemoCredentials): AccessKeyEntry {
  return { access_key: c.accessKey, secret_key: c.secretKey, projects: [c.projectId] };
}

export function demoIamUser(c: DemoCredentials): IamUser {
  return { ...c.user, projects: [{ id: c.projectId, name: c.projectName }] };
}
