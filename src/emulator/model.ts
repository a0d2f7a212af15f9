// Shapes of the SDRS objects the emulator stores and serves, plus the status vocabularies and the
// rules that keep pair statuses consistent with their group. Field order follows the documented
// field tables (docs/sdrs-notes.md §3.3 and §4.3) so responses read like the documentation examples.

export type Station = 'source' | 'target';

/** Protection-group statuses (docs/sdrs-notes.md §8.1). */
export const GROUP_STATUSES = [
  'creating', 'available', 'protected', 'error',
  'starting', 'error-starting', 'stopping', 'error-stopping',
  'reversing', 'error-reversing', 'failing-over', 'failed-over', 'error-failing-over',
  'reprotecting', 'error-reprotecting', 'deleting', 'error-deleting',
] as const;

/** Replication-pair statuses (docs/sdrs-notes.md §8.2). */
export const PAIR_STATUSES = [
  'creating', 'available', 'error', 'deleting', 'error-deleting',
  'starting', 'protected', 'error-starting', 'stopping', 'error-stopping',
  'reversing', 'error-reversing', 'failing-over', 'failed-over', 'error-failing-over',
  'reprotecting', 'error-reprotecting', 'extending', 'error-extending',
  'attaching', 'detaching', 'error-attaching', 'error-detaching', 'invalid', 'fault',
] as const;

export type ReplicationStatus = 'active' | 'inactive' | 'copying' | 'active-stopped';

export interface SdrsGroup {
  id: string;
  name: string;
  description: string;
  status: string;
  progress: number;
  source_availability_zone: string;
  target_availability_zone: string;
  domain_id: string;
  domain_name: string;
  priority_station: Station;
  protected_instance_num: number;
  replication_num: number;
  disaster_recovery_drill_num: number;
  protected_status: string | null;
  replication_status: string | null;
  health_status: string | null;
  source_vpc_id: string;
  target_vpc_id: string;
  test_vpc_id: string | null;
  dr_type: string;
  server_type: string;
  created_at: string;
  updated_at: string;
  protection_type: string;
  replication_model: string | null;
}

export interface PairAttachment {
  device: string;
  protected_instance: string;
}

export interface RecordMetadata {
  multiattach: boolean;
  bootable: boolean;
  volume_size: number;
  volume_type: string;
}

export interface SdrsPair {
  id: string;
  name: string;
  description: string;
  replication_model: string;
  status: string;
  progress: number;
  replication_status: string;
  attachment: PairAttachment[] | null;
  server_group_id: string;
  volume_ids: string;
  priority_station: Station;
  fault_level: string;
  created_at: string;
  updated_at: string;
  record_metadata: RecordMetadata;
  /** Present only while `status` is `error` (docs/sdrs-notes.md §4.3). */
  failure_detail?: string;
}

export interface SdrsDomain {
  id: string;
  name: string;
  description: string;
  sold_out: boolean;
  local_replication_cluster: { availability_zone: string };
  remote_replication_cluster: { availability_zone: string };
}

/**
 * The one active-active domain every project sees. Id, name and description are the documented
 * example (docs/sdrs-notes.md §6); the AZ pair is the eu-de one the gateway targets.
 */
export const DEFAULT_DOMAIN: SdrsDomain = {
  id: 'fb4bb8e3-a574-4437-a156-78c916aeea4d',
  name: 'ActiveactiveDomain',
  description: 'my domain',
  sold_out: false,
  local_replication_cluster: { availability_zone: 'eu-de-01' },
  remote_replication_cluster: { availability_zone: 'eu-de-02' },
};

/** Group lifecycle statuses that have no DR meaning for member pairs. */
const LIFECYCLE_ONLY = new Set(['creating', 'error', 'deleting', 'error-deleting']);

/**
 * What a member pair looks like while its group is in `groupStatus`, for seeding and for
 * `setGroupStatus` (docs/sdrs-notes.md §8.2: pair states follow the group's actions). The DR statuses share
 * their names between group and pair; group lifecycle statuses leave pairs plain `available`.
 * `replication_status` is what the pair would show after the action that led to that status:
 * never synced before start, in sync while protected or switching, stopped after stop/failover.
 */
export function pairStateForGroup(groupStatus: string): { status: string; replication_status: ReplicationStatus; progress: number } {
  if (LIFECYCLE_ONLY.has(groupStatus)) return { status: 'available', replication_status: 'inactive', progress: 0 };
  switch (groupStatus) {
    case 'available':
    case 'starting':
    case 'error-starting':
      return { status: groupStatus, replication_status: 'inactive', progress: 0 };
    case 'failed-over':
    case 'reprotecting':
    case 'error-reprotecting':
      return { status: groupStatus, replication_status: 'active-stopped', progress: 100 };
    default:
      // protected, stopping, error-stopping, reversing, error-reversing, failing-over, error-failing-over
      return { status: groupStatus, replication_status: 'active', progress: 100 };
  }
}

/** The production AZ right now: `priority_station` picks one of the creation-time AZs (docs/sdrs-notes.md §3.3). */
export function currentProductionAz(group: SdrsGroup): string {
  return group.priority_station === 'source' ? group.source_availability_zone : group.target_availability_zone;
}

export function otherStation(s: Station): Station {
  return s === 'source' ? 'target' : 'source';
}

/**
 * Pair statuses in which an operation is still running on the pair itself. Group actions are
 * refused while any member pair is in one of these (SDRS.0214), because the real service would
 * have two jobs fighting over the same disks.
 */
export const PAIR_BUSY = new Set(['creating', 'deleting', 'extending', 'attaching', 'detaching']);

/**
 * Pairs that no longer follow group actions: a failed create (`error`), a pair whose disk was
 * deleted (`invalid`) or a failed delete (`error-deleting`). They are left alone and do not count
 * as "the group has pairs" for start/failover/reverse.
 */
export const PAIR_DETACHED_FROM_GROUP = new Set(['error', 'invalid', 'error-deleting']);
