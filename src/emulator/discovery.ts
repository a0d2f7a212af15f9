// API version discovery (docs/sdrs-notes.md §1.3) and active-active domains (§6): static documents.

import { DEFAULT_DOMAIN, type SdrsDomain } from './model.ts';

function version(baseUrl: string, updated: string): Record<string, unknown> {
  return {
    id: 'v1',
    links: [{ href: `${baseUrl}/v1`, rel: 'self' }],
    status: 'CURRENT',
    updated,
    // No microversions, so both are empty strings as documented.
    version: '',
    min_version: '',
  };
}

/**
 * `GET /`. The documented examples disagree on `updated` (T15:00:00Z in the list, T00:00:00Z for
 * the single version); each endpoint reproduces its own example. The href points back at this
 * emulator instead of the documentation's placeholder host.
 */
export function versionList(baseUrl: string): Record<string, unknown> {
  return { versions: [version(baseUrl, '2018-05-30T15:00:00Z')] };
}

/** `GET /v1`. */
export function versionDetail(baseUrl: string): Record<string, unknown> {
  return { version: version(baseUrl, '2018-05-30T00:00:00Z') };
}

/** `GET /v1/{project_id}/active-domains`: the same single domain for every project. */
export function activeDomains(): { domains: SdrsDomain[] } {
  return { domains: [structuredClone(DEFAULT_DOMAIN)] };
}
