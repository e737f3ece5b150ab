import type { Task } from '../../shared/protocol';
import { invite, jsonl, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const exported = async (pid: number, q: string) => {
  const res = await fetch(`${s.url}/api/projects/${pid}/export?${q}`, { headers: { authorization: `Bearer ${s.token}` } });
  return lines(await res.text());
};
const report = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/report?resamples=0`)).body;
const names = (r: { annotators: Array<{ annotator: string }> }) => r.annotators.map((a) => a.annotator).sort();

/**
 * Exclusion is set by the annotators' and judges' routes (blocking, archiving); here the columns are set directly
 * and the report reset through a public route that resets it (a settings change).
 */
const setColumns = (pid: number, sql: string, key: string) => s.db.prepare(`UPDATE annotators SET ${sql} WHERE project_id = ? AND key = ?`).run(pid, key);
const resetReport = async (pid: number) => expect((await s.api('PATCH', `/api/projects/${pid}`, { instructions: `changed ${Date.now()}` })).status).toBe(200);

/** h1 and h2 agree (A, A, B); spam always disagrees; two judges: `good` agrees with h1/h2, `old` always says B. */
async function seeded(): Promise<number> {
  const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(3));
  const v = { h1: ['A', 'A', 'B'], h2: ['A', 'A', 'B'], spam: ['B', 'B', 'A'] } as Record<string, string[]>;
  const labels = [
    ...Object.entries(v).flatMap(([annotator, vals]) => vals.map((value, i) => ({ item: `q${i + 1}`, annotator, value }))),
    ...['A', 'A', 'B'].map((value, i) => ({ item: `q${i + 1}`, annotator: 'good', kind: 'llm', value })),
    ...['B', 'B', 'B'].map((value, i) => ({ item: `q${i + 1}`, annotator: 'old', kind: 'llm', value })),
  ];
  expect((await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: 15 });
  return pid;
}

describe('annotators left out of the report and gold (excluded humans, archived judges)', () => {
  test('an excluded human and an archived judge leave every count, kappa and judge comparison, and come back when restored', async () => {
    const pid = await seeded();
    const before = await report(pid);
    expect(before.humans.annotators).toBe(3);
    expect(before.humans.fleiss_kappa).toBeLessThan(0.5);
    expect(before.judges.map((j: { annotator: string }) => j.annotator).sort()).toEqual(['good', 'old']);

    setColumns(pid, 'excluded = 1', 'spam');
    setColumns(pid, 'archived_at = 1', 'old');
    await resetReport(pid);
    const after = await report(pid);
    expect(after.project.labels).toEqual({ human: 6, llm: 3 });
    expect(after.humans.annotators).toBe(2);
    expect(after.humans.fleiss_kappa).toBe(1);
    expect(after.humans.pairs.map((p: { a: string; b: string }) => `${p.a}-${p.b}`)).toEqual(['h1-h2']);
    expect(after.judges.map((j: { annotator: string }) => j.annotator)).toEqual(['good']);
    expect(names(after)).toEqual(['good', 'h1', 'h2']);
    expect(after.judges[0].vs_majority).toMatchObject({ n: 3, accuracy: 1 });

    setColumns(pid, 'excluded = 0', 'spam');
    setColumns(pid, 'archived_at = NULL', 'old');
    await resetReport(pid);
    const restored = await report(pid);
    expect(names(restored)).toEqual(names(before));
    expect(restored.humans).toEqual(before.humans);
    expect(restored.judges).toEqual(before.judges);
  });

  test('the gold set leaves them out of the consensus; the labels export keeps their labels, flagged excluded', async () => {
    const pid = await seeded();
    expect((await exported(pid, 'kind=gold')).map((r) => [r.id, r.source, r.n])).toEqual([
      ['q1', 'majority', 3],
      ['q2', 'majority', 3],
      ['q3', 'majority', 3],
    ]);
    setColumns(pid, 'excluded = 1', 'spam');
    setColumns(pid, 'archived_at = 1', 'old');
    await resetReport(pid);
    const gold = await exported(pid, 'kind=gold&include_llm=1');
    expect(gold.map((r) => [r.id, r.label, r.source, r.n])).toEqual([
      ['q1', 'A', 'unanimous', 3],
      ['q2', 'A', 'unanimous', 3],
      ['q3', 'B', 'unanimous', 3],
    ]);
    expect(gold.flatMap((r) => r.labels.map((l: { annotator: string }) => l.annotator))).not.toContain('spam');
    expect(gold.flatMap((r) => r.labels.map((l: { annotator: string }) => l.annotator))).not.toContain('old');
    const labels = await exported(pid, 'kind=labels');
    expect(labels).toHaveLength(15);
    const flagged = new Set(labels.filter((l) => l.excluded).map((l) => l.annotator));
    expect([...flagged].sort()).toEqual(['old', 'spam']);
  });

  test("an excluded annotator's new labels stay out of a report already loaded (the live feed skips them too)", async () => {
    const pid = await makeProject(s, { redundancy: 2 }, pairwiseItems(4));
    const token = await invite(s, pid);
    const [w1, w2] = await Promise.all(['w1', 'w2'].map((worker) => s.connect({ token, worker })));
    const label = async (c: Client, id: string) => {
      const t = await ok<Task | null>(c, 'task:next');
      await ok(c, 'label:submit', { leaseId: t!.leaseId, value: 'A', clientLabelId: id });
    };
    await label(w1!, 'w1-1');
    await label(w2!, 'w2-1');
    expect(names(await report(pid))).toEqual(['w1', 'w2']);

    setColumns(pid, 'excluded = 1', 'w2');
    await resetReport(pid);
    expect(names(await report(pid))).toEqual(['w1']);
    // The report worker now holds the project: w2's next label arrives through the live feed.
    await label(w2!, 'w2-2');
    await label(w1!, 'w1-2');
    const r = await report(pid);
    expect(names(r)).toEqual(['w1']);
    expect(r.project.labels).toEqual({ human: 2, llm: 0 });
  });
});
