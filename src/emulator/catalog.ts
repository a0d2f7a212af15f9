// The service catalog the emulator's IAM answers with, in the OTC/Keystone v3 shape (services with
// type, name, id, endpoints[] of interface, region, region_id, url, id). EVS appears under every
// service type the real OTC catalog uses for it, so a client finds it whichever type it asks for
// (sources in docs/emulator.md, IAM section).

import { createHash } from 'node:crypto';

export interface CatalogEndpoint {
  id: string;
  interface: 'public';
  region: string;
  region_id: string;
  url: string;
}

export interface CatalogService {
  type: string;
  name: string;
  id: string;
  endpoints: CatalogEndpoint[];
}

export interface CatalogUrls {
  /** IAM itself, without `/v3`. */
  iam: string;
  /** EVS base, without the version: `<evs>/v2/{project}` and `<evs>/v3/{project}` are derived. */
  evs: string;
  /** SDRS base, without the version: `<sdrs>/v1/{project}`. */
  sdrs: string;
}

/** [type, name, version path] for each EVS entry. */
export const EVS_CATALOG_ENTRIES: ReadonlyArray<readonly [string, string, string]> = [
  ['volume', 'cinder', 'v2'],
  ['volumev2', 'cinderv2', 'v2'],
  ['volumev3', 'cinderv3', 'v3'],
  ['evs', 'evs', 'v2'],
];

/** Stable 32-hex ids, so two tokens show the same catalog (as a real catalog does). */
const stableId = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
const trim = (u: string): string => u.replace(/\/+$/, '');

function service(type: string, name: string, region: string, url: string): CatalogService {
  return {
    type, name, id: stableId('service', type),
    endpoints: [{ id: stableId('endpoint', type, region), interface: 'public', region, region_id: region, url }],
  };
}

export function buildCatalog(urls: CatalogUrls, region: string, projectId: string): CatalogService[] {
  const evs = trim(urls.evs);
  return [
    // IAM is global in OTC's catalog: region "*" as in the documented example.
    service('identity', 'iam', '*', `${trim(urls.iam)}/v3`),
    ...EVS_CATALOG_ENTRIES.map(([type, name, version]) => service(type, name, region, `${evs}/${version}/${projectId}`)),
    service('sdrs', 'sdrs', region, `${trim(urls.sdrs)}/v1/${projectId}`),
  ];
}
