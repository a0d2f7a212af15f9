// What of a finished request goes into the usage report (docs/usage.md): legacy replication API
// calls only (translated, 501, refused: each is a client that still depends on the legacy API),
// not passthrough (ordinary EVS traffic) and not requests outside the legacy paths. The project is
// the checked id of the call; for a call refused before the id was checked, the path's project
// segment as sent, which the store keeps only when it looks like an id.
import type { IncomingMessage } from 'node:http';
import type { ClientFamily } from '../observability/client-family.ts';
import type { UsageStore } from '../observability/usage.ts';
import type { RequestState } from './request.ts';
import { LEGACY_RESOURCE_PREFIX } from './route-table.ts';

/** The project segment of a legacy path (/v2/{project}/os-vendor-replication...), or undefined for any other path. */
export function legacyProjectSegment(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const path = url.split('?', 1)[0]!;
  const segments = path.split('/');
  // ['', 'v2', project, resource, ...]; absolute-form targets and odd spellings are not usage.
  if (segments.length < 4 || segments[1]!.toLowerCase() !== 'v2') return undefined;
  return segments[3]!.toLowerCase().startsWith(LEGACY_RESOURCE_PREFIX) ? segments[2]! : undefined;
}

export function recordUsage(usage: UsageStore, req: IncomingMessage, state: RequestState, status: number, client: ClientFamily): void {
  if (state.action === 'passthrough') return;
  const project = state.projectId ?? legacyProjectSegment(req.url);
  if (project === undefined) return;
  usage.record(project, client, state.action, status);
}
