import type { Task } from '../../shared/protocol';
import type { ReportJson } from '../../shared/stats/report/json';
import { invite, jsonl, makeProject, ok, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const report = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/report`)).body as ReportJson;

describe('the report is live', () => {
  test('labels submitted after a report was computed, by annotators who joined after it, show in the next report', async () => {
    const pid = await makeProject(s, { redundancy: 2, certainty: true }, pairwiseItems(4, () => ({ gold: 'A' })));
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'q1', annotator: 'early', value: 'A', certainty: 80 }]), { type: 'application/x-ndjson' });
    const before = await report(pid);
    expect(before.project.labels).toEqual({ human: 1, llm: 0 });

    const token = await invite(s, pid);
    const late = await s.connect({ token, worker: 'late' });
    for (;;) {
      const t = await ok<Task | null>(late, 'task:next');
      if (!t) break;
      // Always right against gold (A), in display positions.
      await ok(late, 'label:submit', { leaseId: t.leaseId, value: t.order === 'BA' ? 'B' : 'A', certainty: 90, clientLabelId: t.leaseId });
    }
    const after = await report(pid);
    expect(after.project.labels).toEqual({ human: 5, llm: 0 });
    const row = after.annotators.find((a) => a.annotator === 'late')!;
    expect(row).toMatchObject({ kind: 'human', labels: 4, gold_accuracy: 1 });
    expect(row.median_seconds).not.toBeNull();
    expect(row.certainty!.thresholds.find((t) => t.min === 90)).toMatchObject({ n: 4, accuracy: 1 });
    expect(after.humans.pairs).toEqual([expect.objectContaining({ a: 'early', b: 'late', n: 1, percent_agreement: 1 })]);
  });

  test('an import after a report resets what the report sees', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    expect((await report(pid)).project.items).toBe(2);
    await s.api('POST', `/api/projects/${pid}/items`, jsonl([{ id: 'extra', question: 'q', answer_a: 'a', answer_b: 'b' }]), { type: 'application/x-ndjson' });
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'extra', annotator: 'h', value: 'tie' }]), { type: 'application/x-ndjson' });
    expect((await report(pid)).project).toMatchObject({ items: 3, labels: { human: 1, llm: 0 } });
  });
});
