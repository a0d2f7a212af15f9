// Legacy id <-> SDRS id mapping. Groups migrated to SDRS got new ids while legacy clients keep the
// old ones. Requests with a legacy id go to the mapped SDRS id; answers show the legacy id again.
// Unmapped ids pass through unchanged in both directions. Pure: the file loading lives elsewhere.

export interface IdMapDocument {
  replication_consistency_groups?: Record<string, string>;
  replications?: Record<string, string>;
}

export interface IdMapper {
  groupToSdrs(legacyId: string): string;
  groupToLegacy(sdrsId: string): string;
  pairToSdrs(legacyId: string): string;
  pairToLegacy(sdrsId: string): string;
  readonly size: number;
}

interface Table {
  toSdrs: Map<string, string>;
  toLegacy: Map<string, string>;
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

function table(section: unknown, name: string): Table {
  const toSdrs = new Map<string, string>();
  const toLegacy = new Map<string, string>();
  if (section === undefined || section === null) return { toSdrs, toLegacy };
  if (typeof section !== 'object' || Array.isArray(section)) throw new Error(`${name} must be a mapping of legacy id to SDRS id`);
  for (const [legacy, sdrs] of Object.entries(section as Record<string, unknown>)) {
    // Mapped ids become SDRS path segments, so they meet the same rule as ids in client paths.
    if (!ID.test(legacy)) throw new Error(`${name}: legacy id ${JSON.stringify(legacy)} is not 1-64 characters of A-Z a-z 0-9 -`);
    if (typeof sdrs !== 'string' || !ID.test(sdrs)) throw new Error(`${name}.${legacy}: SDRS id must be 1-64 characters of A-Z a-z 0-9 -`);
    if (toLegacy.has(sdrs)) throw new Error(`${name}: SDRS id ${sdrs} is mapped from two legacy ids (${toLegacy.get(sdrs)} and ${legacy})`);
    toSdrs.set(legacy, sdrs);
    toLegacy.set(sdrs, legacy);
  }
  return { toSdrs, toLegacy };
}

/** Builds a mapper from a parsed ID map document; throws on a malformed document. */
export function createIdMapper(doc: unknown = {}): IdMapper {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the ID map must be an object with replication_consistency_groups and/or replications');
  const unknownKeys = Object.keys(doc).filter((k) => k !== 'replication_consistency_groups' && k !== 'replications');
  if (unknownKeys.length) throw new Error(`unknown section(s) in the ID map: ${unknownKeys.join(', ')}`);
  const d = doc as IdMapDocument;
  const groups = table(d.replication_consistency_groups, 'replication_consistency_groups');
  const pairs = table(d.replications, 'replications');
  return {
    groupToSdrs: (id) => groups.toSdrs.get(id) ?? id,
    groupToLegacy: (id) => groups.toLegacy.get(id) ?? id,
    pairToSdrs: (id) => pairs.toSdrs.get(id) ?? id,
    pairToLegacy: (id) => pairs.toLegacy.get(id) ?? id,
    size: groups.toSdrs.size + pairs.toSdrs.size,
  };
}

/** A mapper that can be swapped atomically when the file changes; readers always see one version. */
export class SwappableIdMapper implements IdMapper {
  #current: IdMapper;
  constructor(initial: IdMapper = createIdMapper()) {
    this.#current = initial;
  }
  swap(next: IdMapper): void {
    this.#current = next;
  }
  groupToSdrs(id: string): string { return this.#current.groupToSdrs(id); }
  groupToLegacy(id: string): string { return this.#current.groupToLegacy(id); }
  pairToSdrs(id: string): string { return this.#current.pairToSdrs(id); }
  pairToLegacy(id: string): string { return this.#current.pairToLegacy(id); }
  get size(): number { return this.#current.size; }
}
