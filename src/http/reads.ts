// The legacy reads a client polls after an action: one group, all groups, one pair, all pairs.
// Each is built from SDRS objects by the pure functions in src/translate/reads.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { ID_PATTERN } from '../errors.ts';
import { getGroup, getPair, listAll, listGroupPairs } from '../sdrs/api.ts';
import type { SdrsTransport } from '../sdrs/types.ts';
import type { IdMapper } from '../translate/id-map.ts';
import type { FailureSubject } from '../translate/errors.ts';
import { applyListQuery, parseListQuery, toLegacyGroup, toLegacyPair, type SdrsObject } from '../translate/reads.ts';
import { beginLegacyCall } from './call.ts';
import type { LegacyHandler, RouteParams } from './request.ts';
import { sendJson } from './respond.ts';
import { sdrsStep } from './sdrs-step.ts';

export interface ReadDeps {
  sdrs: SdrsTransport;
  idMap: IdMapper;
}

function groupsById(groups: readonly SdrsObject[]): Map<string, SdrsObject> {
  return new Map(groups.map((g) => [String(g.id), g]));
}

export function createReadHandlers({ sdrs, idMap }: ReadDeps): Record<'get_group' | 'list_groups' | 'get_pair' | 'list_pairs', LegacyHandler> {
  return {
    async get_group(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
      const { projectId, ctx, resourceId: legacyId } = beginLegacyCall(req, res, params, 'replication_consistency_group_id');
      const id = idMap.groupToSdrs(legacyId);
      const subject: FailureSubject = { kind: 'replication consistency group', id: legacyId };
      const [group, pairs] = await sdrsStep(subject, () => Promise.all([getGroup(sdrs, ctx, projectId, id), listGroupPairs(sdrs, ctx, projectId, id)]));
      sendJson(res, 200, { replication_consistency_group: toLegacyGroup(group, pairs, idMap) });
    },

    async list_groups(req: IncomingMessage, res: ServerResponse, params: RouteParams, search: string): Promise<void> {
      const { projectId, ctx } = beginLegacyCall(req, res, params);
      const query = parseListQuery(parseQueryString(search) as Record<string, unknown>, 'groups');
      const [groups, pairs] = await sdrsStep(undefined, () =>
        Promise.all([listAll(sdrs, ctx, projectId, '/server-groups', 'server_groups', 'list_server_groups'), listAll(sdrs, ctx, projectId, '/replications', 'replications', 'list_replications')]),
      );
      const pairsByGroup = new Map<string, SdrsObject[]>();
      for (const p of pairs) {
        const gid = String(p.server_group_id ?? '');
        let list = pairsByGroup.get(gid);
        if (!list) pairsByGroup.set(gid, (list = []));
        list.push(p);
      }
      const volumes = new Map<string, string[]>();
      const items = groups.map((g) => {
        const members = pairsByGroup.get(String(g.id)) ?? [];
        const legacy = toLegacyGroup(g, members, idMap);
        volumes.set(String(legacy.id), members.flatMap((p) => String(p.volume_ids ?? '').split(',').map((s) => s.trim())));
        return legacy;
      });
      sendJson(res, 200, { replication_consistency_groups: applyListQuery(items, query, (item) => volumes.get(String(item.id)) ?? []) });
    },

    async get_pair(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
      const { projectId, ctx, resourceId: legacyId } = beginLegacyCall(req, res, params, 'replication_id');
      const subject: FailureSubject = { kind: 'replication', id: legacyId };
      const pair = await sdrsStep(subject, () => getPair(sdrs, ctx, projectId, idMap.pairToSdrs(legacyId)));
      const groupId = typeof pair.server_group_id === 'string' ? pair.server_group_id : undefined;
      // The pair's priority_station is a site ('source'/'target'); its AZ name lives on the group.
      const group = groupId ? await sdrsStep({ kind: 'replication consistency group', id: idMap.groupToLegacy(groupId) }, () => getGroup(sdrs, ctx, projectId, groupId)) : undefined;
      sendJson(res, 200, { replication: toLegacyPair(pair, group, idMap) });
    },

    async list_pairs(req: IncomingMessage, res: ServerResponse, params: RouteParams, search: string): Promise<void> {
      const { projectId, ctx } = beginLegacyCall(req, res, params);
      const query = parseListQuery(parseQueryString(search) as Record<string, unknown>, 'pairs');
      const legacyGroup = query.filters.replication_consistency_group_id;
      // The one filter SDRS applies itself; the rest are applied here on the legacy shape.
      const serverSide = legacyGroup !== undefined && ID_PATTERN.test(legacyGroup) ? `server_group_id=${encodeURIComponent(idMap.groupToSdrs(legacyGroup))}` : '';
      const [pairs, groups] = await sdrsStep(undefined, () =>
        Promise.all([listAll(sdrs, ctx, projectId, '/replications', 'replications', 'list_replications', serverSide), listAll(sdrs, ctx, projectId, '/server-groups', 'server_groups', 'list_server_groups')]),
      );
      const byId = groupsById(groups);
      const items = pairs.map((p) => toLegacyPair(p, byId.get(String(p.server_group_id)), idMap));
      sendJson(res, 200, { replications: applyListQuery(items, query) });
    },
  };
}
