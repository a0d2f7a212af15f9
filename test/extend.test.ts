// os-extend-replication-volumes: checks before any call, fan-out per pair, waiting (the legacy
// expand was synchronous), and partial failures that say which pairs grew and which did not.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT } from './helpers.ts';
import { useStack } from './harness.ts';

const stack = useStack();

beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

function extend(groupId: string, replications: { id: string; new_size: number }[]) {
  return stack.client.action(groupId, JSON.stringify({ 'os-extend-replication-volumes': { replications } }));
}

const posts = () => stack.sdrsRequests().filter((r) => r.method === 'POST');

function seed(pairs = 3, status = 'protected') {
  return stack.emulator.seedGroup(PROJECT, { status, pairs, pairOverrides: { record_metadata: { volume_size: 10 } } });
}

describe('extend', () => {
  it('extends every listed pair, waits for the jobs, answers 200 once the disks have grown', async () => {
    const g = seed(2);
    const res = await extend(g.id, [{ id: g.pairIds[0]!, new_size: 20 }, { id: g.pairIds[1]!, new_size: 30 }]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.text, '');
    const jobs = String(res.headers['x-sdrs-job-id']).split(',');
    assert.equal(jobs.length, 2);
    assert.deepEqual(
      posts().map((r) => [r.path, r.body]),
      [
        [`/v1/${PROJECT}/replications/${g.pairIds[0]}/action`, { 'extend-replication': { new_size: 20 } }],
        [`/v1/${PROJECT}/replications/${g.pairIds[1]}/action`, { 'extend-replication': { new_size: 30 } }],
      ],
    );
    // Synchronous like the legacy API: by the time the 200 arrives, SDRS reports the new sizes.
    assert.equal((stack.emulator.getPair(PROJECT, g.pairIds[0]!)?.record_metadata as { volume_size: number }).volume_size, 20);
    assert.equal((stack.emulator.getPair(PROJECT, g.pairIds[1]!)?.record_metadata as { volume_size: number }).volume_size, 30);
    for (const job of jobs) assert.equal(stack.emulator.getJob(PROJECT, job)?.status, 'SUCCESS');
  });

  it('works on an available (unprotected) group too', async () => {
    const g = seed(1, 'available');
    const res = await extend(g.id, [{ id: g.pairIds[0]!, new_size: 11 }]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('refuses a pair outside the group before any call', async () => {
    const g = seed(1);
    const other = seed(1);
    const res = await extend(g.id, [{ id: g.pairIds[0]!, new_size: 20 }, { id: other.pairIds[0]!, new_size: 20 }]);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, new RegExp(`replication ${other.pairIds[0]} does not belong to replication consistency group ${g.id}; no pair was extended`));
    assert.equal(posts().length, 0);
  });

  it('refuses a pair listed twice, a size that does not grow, and a pair in a non-extendable status, before any call', async () => {
    const g = seed(2);
    let res = await extend(g.id, [{ id: g.pairIds[0]!, new_size: 20 }, { id: g.pairIds[0]!, new_size: 30 }]);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /listed more than once/);
    res = await extend(g.id, [{ id: g.pairIds[0]!, new_size: 20 }, { id: g.pairIds[1]!, new_size: 10 }]);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /new_size 10 .* must be greater than its current size 10 GB/);
    stack.emulator.setPair(PROJECT, g.pairIds[1]!, { status: 'failed-over' });
    res = await extend(g.id, [{ id: g.pairIds[0]!, new_size: 20 }, { id: g.pairIds[1]!, new_size: 20 }]);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /SDRS status is failed-over; extend needs available, protected, error-extending/);
    assert.equal(posts().length, 0);
  });

  it('reports a job that FAILs: which pairs grew and which did not', async () => {
    const g = seed(3);
    stack.emulator.faults.add({ type: 'job-fail', method: 'POST', path: `/replications/${g.pairIds[1]}/action`, errorCode: 'SDRS.1820', failReason: 'expand volume failed', times: 1 });
    const res = await extend(g.id, g.pairIds.map((id) => ({ id, new_size: 40 })));
    assert.equal(res.status, 400);
    const msg: string = res.body.badRequest.message;
    assert.match(msg, /os-extend-replication-volumes partially failed/);
    assert.match(msg, new RegExp(`extended: ${g.pairIds[0]} \\(job [^)]+\\), ${g.pairIds[2]} \\(job`));
    assert.match(msg, new RegExp(`failed: ${g.pairIds[1]} \\(SDRS job \\S+ \\(extend_replication\\) failed: expand volume failed \\(error_code SDRS\\.1820\\)`));
    assert.equal(String(res.headers['x-sdrs-job-id']).split(',').length, 3);
  });

  it('stops at a refused submission and reports the pairs not attempted', async () => {
    const g = seed(3);
    stack.emulator.faults.add({ type: 'status', status: 400, errorCode: 'SDRS.1832', method: 'POST', path: `/replications/${g.pairIds[1]}/action`, times: 1 });
    const res = await extend(g.id, g.pairIds.map((id) => ({ id, new_size: 50 })));
    assert.equal(res.status, 400);
    const msg: string = res.body.badRequest.message;
    assert.match(msg, new RegExp(`extended: ${g.pairIds[0]} \\(job`));
    assert.match(msg, new RegExp(`failed: ${g.pairIds[1]} \\(SDRS refused extend_replication: .*SDRS SDRS\\.1832`));
    assert.match(msg, new RegExp(`not attempted: ${g.pairIds[2]}\\.$`));
    assert.equal(posts().length, 2, 'the third pair is not attempted');
    assert.equal(String(res.headers['x-sdrs-job-id']).split(',').length, 1);
  });

  it('a refusal of the first submission is that refusal, not a partial failure', async () => {
    const g = seed(2);
    stack.emulator.faults.add({ type: 'status', status: 503, method: 'POST', path: '/replications/', times: 1 });
    const res = await extend(g.id, g.pairIds.map((id) => ({ id, new_size: 60 })));
    assert.equal(res.status, 502);
    assert.match(res.body.badGateway.message, /SDRS failed extend_replication/);
    assert.equal(res.headers['x-sdrs-job-id'], undefined);
  });
});
