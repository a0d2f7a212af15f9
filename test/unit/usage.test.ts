// The usage store (counts, first/last seen, last status, the bound and its overflow bucket) and
// the table formatter, without sockets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INVALID_PROJECT, OVERFLOW_PROJECT, OVERFLOW_RESERVE, createUsageStore } from '../../src/observability/usage.ts';
import { formatUsageTable, parseUsageSnapshot } from '../../src/observability/usage-format.ts';
import { CLIENT_FAMILIES } from '../../src/observability/client-family.ts';

const A = '0391e4486e864c26be5654c522f440f2';
const B = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';

function clock(start = Date.UTC(2026, 11, 1, 10, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('usage store', () => {
  it('counts per project, client family and action, with first/last seen and the last status', () => {
    const c = clock();
    const store = createUsageStore({ now: c.now });
    c.advance(1000);
    store.record(A, 'terraform', 'sync', 202);
    c.advance(1000);
    store.record(A, 'terraform', 'sync', 409);
    store.record(A, 'openstack-cli', 'list', 200);
    c.advance(1000);
    store.record(B, 'terraform', 'sync', 202);
    const s = store.snapshot();
    assert.equal(s.since, '2026-12-01T10:00:00.000Z');
    assert.equal(s.generatedAt, '2026-12-01T10:00:03.000Z');
    assert.equal(s.overflowCalls, 0);
    assert.deepEqual(s.entries, [
      { project: A, client: 'openstack-cli', action: 'list', count: 1, firstSeen: '2026-12-01T10:00:02.000Z', lastSeen: '2026-12-01T10:00:02.000Z', lastStatus: 200 },
      { project: A, client: 'terraform', action: 'sync', count: 2, firstSeen: '2026-12-01T10:00:01.000Z', lastSeen: '2026-12-01T10:00:02.000Z', lastStatus: 409 },
      { project: B, client: 'terraform', action: 'sync', count: 1, firstSeen: '2026-12-01T10:00:03.000Z', lastSeen: '2026-12-01T10:00:03.000Z', lastStatus: 202 },
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'the snapshot is plain JSON');
  });

  it('past the bound, new keys are counted under (other) per client and action; totals stay right and the size stays bounded', () => {
    const store = createUsageStore({ maxEntries: 3 });
    for (const p of ['p1', 'p2', 'p3']) store.record(p, 'go-sdk', 'sync', 202);
    store.record('p1', 'go-sdk', 'sync', 202); // existing key: still counted in place
    store.record('p4', 'go-sdk', 'sync', 202);
    store.record('p5', 'go-sdk', 'sync', 500);
    store.record('p6', 'curl', 'list', 200);
    const s = store.snapshot();
    assert.equal(s.overflowCalls, 3);
    const overflow = s.entries.filter((e) => e.project === OVERFLOW_PROJECT);
    assert.deepEqual(overflow.map((e) => [e.client, e.action, e.count, e.lastStatus]), [['curl', 'list', 1, 200], ['go-sdk', 'sync', 2, 500]]);
    assert.equal(s.entries.reduce((n, e) => n + e.count, 0), 7);
    assert.equal(s.entries.find((e) => e.project === 'p1')?.count, 2);
  });

  it('the overflow reserve is fixed: beyond it one catch-all entry, so size <= maxEntries + OVERFLOW_RESERVE + 1', () => {
    const store = createUsageStore({ maxEntries: 10 });
    let calls = 0;
    for (let i = 0; i < 20_000; i++) {
      store.record(`p${i}`, CLIENT_FAMILIES[i % CLIENT_FAMILIES.length]!, `action${i % 997}`, 200);
      calls++;
    }
    assert.ok(store.size <= 10 + OVERFLOW_RESERVE + 1, `size ${store.size}`);
    const s = store.snapshot();
    assert.equal(s.entries.reduce((n, e) => n + e.count, 0), calls);
    assert.ok(s.entries.some((e) => e.project === OVERFLOW_PROJECT && e.client === 'other' && e.action === OVERFLOW_PROJECT));
  });

  it('a project or action that is not id-like is not kept as sent', () => {
    const store = createUsageStore();
    store.record('../../etc\u001b[31m', 'curl', 'sync', 400);
    store.record('x'.repeat(65), 'curl', 'sync', 400);
    store.record(A, 'curl', 'bad action\n', 400);
    const s = store.snapshot();
    assert.deepEqual(s.entries.map((e) => [e.project, e.action, e.count]), [[INVALID_PROJECT, 'sync', 2], [A, 'unknown', 1]]);
  });
});

describe('usage table', () => {
  it('prints one aligned row per entry under a header saying what it covers', () => {
    const c = clock();
    const store = createUsageStore({ now: c.now });
    store.record(A, 'terraform', 'sync', 202);
    store.record(B, 'python-sdk', 'failover', 504);
    const text = formatUsageTable(store.snapshot());
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^Legacy API calls since 2026-12-01T10:00:00\.000Z .*: 2 calls, 2 entries \(bound 10000\)$/);
    assert.match(lines[1]!, /^PROJECT\s+CLIENT\s+ACTION\s+COUNT\s+FIRST SEEN\s+LAST SEEN\s+LAST STATUS$/);
    assert.match(lines[2]!, new RegExp(`^${A}  terraform   sync\\s+1  2026-12-01T10:00:00.000Z  2026-12-01T10:00:00.000Z\\s+202$`));
    assert.match(lines[3]!, new RegExp(`^${B}  python-sdk  failover\\s+1 .*504$`));
    assert.equal(lines[1]!.indexOf('CLIENT'), lines[2]!.indexOf('terraform'));
    assert.equal(lines.length, 4);
  });

  it('says so when nothing was seen, and mentions overflow', () => {
    assert.match(formatUsageTable(createUsageStore().snapshot()), /No legacy calls seen/);
    const s = { ...createUsageStore().snapshot(), overflowCalls: 7 };
    assert.match(formatUsageTable(s), /7 calls past the bound counted under \(other\)/);
  });

  it('parseUsageSnapshot refuses what is not a report, and the table strips control characters', () => {
    assert.throws(() => parseUsageSnapshot([]), /not a JSON object/);
    assert.throws(() => parseUsageSnapshot({ since: 'x', generatedAt: 'y', maxEntries: 1, overflowCalls: 0, entries: [{ project: 1 }] }), /entries\[0\]/);
    const s = parseUsageSnapshot({ since: 'x', generatedAt: 'y', maxEntries: 1, overflowCalls: 0, entries: [{ project: 'a\u001b[2Jb', client: 'curl', action: 'sync', count: 1, firstSeen: 'f', lastSeen: 'l', lastStatus: 200 }] });
    // eslint-disable-next-line no-control-regex -- asserts that no terminal escape reaches the table
    assert.doesNotMatch(formatUsageTable(s), /\u001b/);
  });
});
