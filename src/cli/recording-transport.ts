// An SDRS transport that sends nothing: it answers from a made-up SDRS state (one scenario: the
// group's status, its priority_station, its pairs) and records every request. The translate CLI
// runs the gateway's real handlers on it, so a dry run says exactly what the gateway would do.
import type { CallContext, SdrsRequest, SdrsTransport } from '../sdrs/types.ts';

export interface Scenario {
  groupStatus: string;
  priorityStation: 'source' | 'target';
  /** Pairs of the group: SDRS id, status and size in GB. */
  pairs: { id: string; status: string; size: number }[];
}

export interface RecordedCall {
  method: string;
  path: string;
  operation: string;
  body?: unknown;
}

export class RecordingTransport implements SdrsTransport {
  scenario: Scenario = { groupStatus: 'available', priorityStation: 'source', pairs: [] };
  calls: RecordedCall[] = [];
  #jobs = 0;

  /** Starts a new run on another scenario. */
  reset(scenario: Scenario): void {
    this.scenario = scenario;
    this.calls = [];
    this.#jobs = 0;
  }

  async call<T = unknown>(_ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
    const path = `/v1/${projectId}${req.path}${req.query ? `?${req.query}` : ''}`;
    const call = { method: req.method, path, operation: req.operation };
    this.calls.push(req.body === undefined ? call : { ...call, body: req.body });
    return this.#answer(req) as T;
  }

  #answer(req: SdrsRequest): unknown {
    // A rename is synchronous and answers the renamed group; every other write starts a job.
    if (req.method === 'PUT' && /^\/server-groups\/[^/]+$/.test(req.path)) {
      const name = (req.body as { server_group?: { name?: string } } | undefined)?.server_group?.name;
      return { server_group: { ...this.#group(decodeURIComponent(req.path.split('/')[2]!)), name } };
    }
    if (req.method !== 'GET') return { job_id: `dry-run-job-${++this.#jobs}` };
    const one = /^\/(server-groups|replications|jobs)\/([^/]+)$/.exec(req.path);
    const groupId = one?.[1] === 'server-groups' ? decodeURIComponent(one[2]!) : 'dry-run-group';
    if (one?.[1] === 'jobs') return { job_id: decodeURIComponent(one[2]!), status: 'SUCCESS' };
    if (one?.[1] === 'server-groups') return { server_group: this.#group(groupId) };
    if (one?.[1] === 'replications') return { replication: this.#pair(decodeURIComponent(one[2]!), groupId) };
    if (req.path === '/server-groups') return { server_groups: [this.#group(groupId)] };
    const filter = /(?:^|&)server_group_id=([^&]+)/.exec(req.query ?? '');
    const owner = filter ? decodeURIComponent(filter[1]!) : groupId;
    return { replications: this.scenario.pairs.map((p) => this.#pair(p.id, owner)) };
  }

  #group(id: string): Record<string, unknown> {
    return { id, name: id, status: this.scenario.groupStatus, priority_station: this.scenario.priorityStation, source_availability_zone: 'eu-de-01', target_availability_zone: 'eu-de-02' };
  }

  #pair(id: string, groupId: string): Record<string, unknown> {
    const p = this.scenario.pairs.find((x) => x.id === id) ?? { id, status: 'protected', size: 10 };
    return { id: p.id, name: p.id, status: p.status, server_group_id: groupId, volume_ids: `${p.id}-a,${p.id}-b`, record_metadata: { volume_size: p.size, volume_type: 'SSD', multiattach: false } };
  }

  async close(): Promise<void> {}

  async destroy(): Promise<void> {}
}
