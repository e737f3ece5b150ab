/**
 * The judge-training exports (sft, dpo, preference; issue 12 part 3) on the PandaLM human-annotated test set
 * (test/fixtures/pandalm, README and licence there), imported through the public item and label APIs: three human
 * annotators, GPT-3.5's published judgments as a judge in order AB, and, for the DPO pairs, a judge "two-samples"
 * whose sample 0 is PandaLM-7B's published judgment and sample 1 GPT-3.5's (a judge sampled twice, made from two
 * real outputs).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SessionInfo, TaskItem } from '../../shared/protocol';
import { chooseTemplate, renderTask } from '../../judge-worker/templates';
import { jsonl, makeProject, startServer, type TestServer } from '../helpers/server';

const DATA = path.resolve(__dirname, '../fixtures/pandalm');
const read = <T>(f: string): T => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8')) as T;
interface Row { idx: number; instruction: string; input: string; response1: unknown; response2: unknown; annotator1: number; annotator2: number; annotator3: number }
/** PandaLM's labels: 0 = tie, 1 = response1 better, 2 = response2 better; anything else is unparseable. */
const verdict = (v: number | string): string | null => ({ '0': 'tie', '1': 'A', '2': 'B', Tie: 'tie' })[String(v)] ?? null;
const text = (v: unknown) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

let s: TestServer;
let pid: number;
const rows = read<Row[]>('testset-v1.json');
const gpt = read<Array<{ idx: number; gpt_result: string; gpt_reason: string }>>('gpt-3.5-turbo-testset-v1.json');
const panda = read<Array<{ idx: number; pandalm_result: number; pandalm_reason: string }>>('pandalm-7b-testset-v1.json');
/** The humans' plurality per item, computed here from the raw file (PandaLM: no item has a tied majority). */
const majority = new Map<string, string>();
for (const r of rows) {
  const votes = [r.annotator1, r.annotator2, r.annotator3].map(verdict);
  const top = ['A', 'B', 'tie'].map((v) => [v, votes.filter((x) => x === v).length] as const).sort((a, b) => b[1] - a[1]);
  majority.set(String(r.idx), top[0]![0]);
}

async function get(route: string): Promise<{ status: number; text: string }> {
  const res = await fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
  return { status: res.status, text: await res.text() };
}
const lines = (t: string) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(async () => {
  s = await startServer();
  pid = (await s.api('POST', '/api/projects', { name: 'PandaLM', type: 'pairwise' })).body.id;
  const items = rows.map((r) => ({ id: String(r.idx), question: r.input ? `${r.instruction}\n\n${r.input}` : r.instruction, answer_a: text(r.response1), answer_b: text(r.response2) }));
  expect((await s.api('POST', `/api/projects/${pid}/items`, jsonl(items), { type: 'application/x-ndjson' })).body).toEqual({ imported: 999 });
  const labels = [
    ...rows.flatMap((r) => (['annotator1', 'annotator2', 'annotator3'] as const).map((a) => ({ item: String(r.idx), annotator: a, value: verdict(r[a]) }))),
    ...gpt.map((g) => ({ item: String(g.idx), annotator: 'gpt-3.5-turbo', kind: 'llm', value: verdict(g.gpt_result), rationale: g.gpt_reason, order: 'AB' })),
    ...panda.map((g) => ({ item: String(g.idx), annotator: 'two-samples', kind: 'llm', value: verdict(g.pandalm_result), rationale: g.pandalm_reason, order: 'AB', sample: 0 })),
    ...gpt.map((g) => ({ item: String(g.idx), annotator: 'two-samples', kind: 'llm', value: verdict(g.gpt_result), rationale: g.gpt_reason, order: 'AB', sample: 1 })),
  ];
  expect((await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: 999 * 6 });
}, 60_000);

afterAll(async () => {
  await s.close();
});

describe('sft', () => {
  test('one example per judged item and order; swap=1 gives both orders with the answers and verdict swapped', async () => {
    const plain = lines((await get(`/api/projects/${pid}/export?kind=sft`)).text);
    expect(plain).toHaveLength(999);
    expect(plain.every((r) => r.order === 'AB')).toBe(true);
    const swapped = lines((await get(`/api/projects/${pid}/export?kind=sft&swap=1`)).text);
    expect(swapped).toHaveLength(1998);
    const byKey = new Map(swapped.map((r) => [`${r.id}/${r.order}`, r]));
    for (const [id, ref] of majority) {
      const ab = byKey.get(`${id}/AB`)!;
      const ba = byKey.get(`${id}/BA`)!;
      expect([ab.label, ba.label, ab.source]).toEqual([ref, ref, ab.source === 'unanimous' ? 'unanimous' : 'majority']);
      expect([ab.answer1_body, ab.answer2_body]).toEqual([ba.answer2_body, ba.answer1_body]);
      const flip = ({ A: 'B', B: 'A', tie: 'C' } as Record<string, string>)[ref];
      expect([ab.verdict, ba.verdict]).toEqual([ref === 'tie' ? 'C' : ref, flip]);
      expect(ab.messages.at(-1)).toEqual({ role: 'assistant', content: ab.text });
      expect(ab.text.endsWith(`[[${ab.verdict}]]`)).toBe(true);
    }
  });

  test("the rationale is the judge's, as written, when its verdict in that order matches the reference", async () => {
    const r = lines((await get(`/api/projects/${pid}/export?kind=sft`)).text);
    // GPT-3.5 wrote no reason on 38 items: there the next agreeing judgment's rationale is used.
    const agree = gpt.filter((g) => g.gpt_reason !== '' && verdict(g.gpt_result) === majority.get(String(g.idx)));
    const withGpt = r.filter((x) => x.rationale_from === 'gpt-3.5-turbo');
    // The first agreeing judge label on the item is GPT-3.5's (imported before the two-samples judge's).
    expect(withGpt).toHaveLength(agree.length);
    const g = agree[0]!;
    const rec = r.find((x) => x.id === String(g.idx))!;
    expect(rec.rationale).toBe(g.gpt_reason);
    expect(rec.text).toBe(`${g.gpt_reason}\n\n[[${rec.verdict}]]`);
    expect(rec).toMatchObject({ question_id: String(g.idx), score: null, reference_answer: null, rationale_swapped: false });
  });

  test("with swap=1 the other order's rationale names the answers the other way round (JudgeLM's swap)", async () => {
    const r = lines((await get(`/api/projects/${pid}/export?kind=sft&swap=1`)).text);
    const g = gpt.find((x) => x.gpt_reason.startsWith('Response 1 is better') && verdict(x.gpt_result) === majority.get(String(x.idx)))!;
    const ba = r.find((x) => x.id === String(g.idx) && x.order === 'BA')!;
    expect(ba).toMatchObject({ rationale_from: 'gpt-3.5-turbo', rationale_swapped: true });
    expect(ba.rationale).toBe(g.gpt_reason.replace(/Response ([12])/g, (_m: string, n: string) => `Response ${n === '1' ? '2' : '1'}`));
    expect(ba.rationale.startsWith('Response 2 is better')).toBe(true);
    expect(ba.text.endsWith(`[[${ba.verdict}]]`)).toBe(true);
  });

  test('the prompt is what the judge worker renders for the item in that order', async () => {
    const r = lines((await get(`/api/projects/${pid}/export?kind=sft&swap=1`)).text);
    const project = (await s.api('GET', `/api/projects/${pid}`)).body;
    const info: SessionInfo['project'] = { id: pid, title: project.name, type: 'pairwise', instructions: project.instructions, options: project.options, scale: project.scale, certainty: project.certainty, rationale: project.rationale, completion_code: null, redirect_url: null, lease_seconds: 60 };
    const row = rows[10]!;
    const item: TaskItem = { id: String(row.idx), question: row.input ? `${row.instruction}\n\n${row.input}` : row.instruction, answer_a: text(row.response2), answer_b: text(row.response1) };
    const expected = renderTask(chooseTemplate('pairwise', {}, item), item, info, false).messages;
    const rec = r.find((x) => x.id === String(row.idx) && x.order === 'BA')!;
    expect(rec.messages.slice(0, -1)).toEqual(expected);
    expect(expected[1]!.content).toContain("[The Start of Assistant A's Answer]\n" + text(row.response2));
  });
});

describe('dpo', () => {
  test("a pair for each item where one of a judge's samples matches the humans' majority and another does not", async () => {
    const r = lines((await get(`/api/projects/${pid}/export?kind=dpo`)).text);
    const pandaBy = new Map(panda.map((p) => [String(p.idx), verdict(p.pandalm_result)]));
    const expected = gpt.filter((g) => {
      const ref = majority.get(String(g.idx));
      const v = [pandaBy.get(String(g.idx)), verdict(g.gpt_result)];
      return v.includes(ref!) && v.some((x) => x !== null && x !== ref);
    });
    expect(r).toHaveLength(expected.length);
    expect(r.length).toBeGreaterThan(50);
    for (const p of r) {
      expect(p.judge).toBe('two-samples');
      expect(p.chosen_verdict).toBe(p.reference);
      expect(p.rejected_verdict).not.toBe(p.reference);
      expect(p.chosen[0].content.endsWith(`[[${p.chosen_verdict === 'tie' ? 'C' : p.chosen_verdict}]]`)).toBe(true);
      expect(p.prompt.at(-1).role).toBe('user');
    }
    const one = r[0]!;
    const src = [panda.find((x) => String(x.idx) === one.id)!.pandalm_reason, gpt.find((x) => String(x.idx) === one.id)!.gpt_reason];
    expect(src.some((t) => one.chosen[0].content.startsWith(t))).toBe(true);
    expect(src.some((t) => one.rejected[0].content.startsWith(t))).toBe(true);
  });
});

describe('preference', () => {
  test("ties are left out; chosen is the humans' majority answer; agreement kept", async () => {
    const r = lines((await get(`/api/projects/${pid}/export?kind=preference`)).text);
    // The PandaLM README's majority: 105 ties, 422 for response 1, 472 for response 2 (report-pandalm.test.ts).
    expect(r).toHaveLength(422 + 472);
    expect(r.filter((x) => x.label === 'A')).toHaveLength(422);
    const row = rows.find((x) => majority.get(String(x.idx)) === 'B')!;
    const rec = r.find((x) => x.id === String(row.idx))!;
    expect(rec).toMatchObject({ prompt: row.input ? `${row.instruction}\n\n${row.input}` : row.instruction, chosen: text(row.response2), rejected: text(row.response1), n: 3 });
    const votes = [row.annotator1, row.annotator2, row.annotator3].map(verdict).filter((v) => v === 'B').length;
    expect(rec.agreement).toBeCloseTo(votes / 3, 10);
  });
});

describe('orders', () => {
  test("a judge's labels in AB and BA give two sft examples; dpo pairs two judgments of the same order only", async () => {
    const p = await makeProject(s, {}, [{ id: 'x', question: 'q', answer_a: 'first', answer_b: 'second' }]);
    const labels = [
      { item: 'x', annotator: 'h1', value: 'A' },
      { item: 'x', annotator: 'h2', value: 'A' },
      { item: 'x', annotator: 'j', kind: 'llm', value: 'A', order: 'AB', rationale: 'Assistant A is right.' },
      { item: 'x', annotator: 'j', kind: 'llm', value: 'A', order: 'BA', rationale: 'Assistant B is right.' },
      { item: 'x', annotator: 'j', kind: 'llm', value: 'B', order: 'BA', sample: 1, rationale: 'Assistant A is right.' },
    ];
    expect((await s.api('POST', `/api/projects/${p}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: 5 });
    const sft = lines((await get(`/api/projects/${p}/export?kind=sft`)).text);
    expect(sft.map((r) => [r.order, r.answer1_body, r.verdict, r.rationale, r.source])).toEqual([
      ['AB', 'first', 'A', 'Assistant A is right.', 'unanimous'],
      ['BA', 'second', 'B', 'Assistant B is right.', 'unanimous'],
    ]);
    const dpo = lines((await get(`/api/projects/${p}/export?kind=dpo`)).text);
    expect(dpo).toHaveLength(1);
    expect(dpo[0]).toMatchObject({ order: 'BA', chosen_verdict: 'A', rejected_verdict: 'B' });
    expect([dpo[0]!.chosen[0].content, dpo[0]!.rejected[0].content]).toEqual(['Assistant B is right.\n\n[[B]]', 'Assistant A is right.\n\n[[A]]']);
    expect(dpo[0]!.prompt[1].content).toContain("[The Start of Assistant A's Answer]\nsecond");
  });
});

describe('options, CSV and streaming', () => {
  test('reference_answer=0|1 puts the item reference in the prompt or not; CSV cells are neutralised', async () => {
    const p = await makeProject(s, {}, [{ id: 'x', question: '=HYPERLINK("http://evil")', answer_a: '+1', answer_b: 'b', reference: 'the reference' }]);
    await s.api('POST', `/api/projects/${p}/labels`, jsonl([{ item: 'x', annotator: 'h', value: 'A' }]), { type: 'application/x-ndjson' });
    const withRef = lines((await get(`/api/projects/${p}/export?kind=sft`)).text)[0]!;
    const without = lines((await get(`/api/projects/${p}/export?kind=sft&reference_answer=0`)).text)[0]!;
    expect(JSON.stringify(withRef.messages)).toContain('the reference');
    expect(JSON.stringify(without.messages)).not.toContain('the reference');
    expect([withRef.reference_answer, without.reference_answer]).toEqual(['the reference', null]);
    for (const kind of ['sft', 'preference']) {
      const csv = (await get(`/api/projects/${p}/export?kind=${kind}&format=csv`)).text;
      expect(csv).toContain(`'=HYPERLINK(`);
      expect(csv).not.toMatch(/(^|,)"?=HYPERLINK/m);
    }
    const bad = await get(`/api/projects/${p}/export?kind=sft&template=nope`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('template');
  });

  test('a 20,000-item project streams in several chunks, in item order', async () => {
    const n = 20_000;
    const items = Array.from({ length: n }, (_, i) => ({ id: `q${i}`, question: `question ${i}`, answer_a: 'a', answer_b: 'b' }));
    const p = await makeProject(s, {}, items);
    await s.api('POST', `/api/projects/${p}/labels`, jsonl(items.map((it) => ({ item: it.id, annotator: 'h', value: 'B' }))), { type: 'application/x-ndjson' });
    const res = await fetch(`${s.url}/api/projects/${p}/export?kind=sft`, { headers: { authorization: `Bearer ${s.token}` } });
    const reader = res.body!.getReader();
    let chunks = 0;
    let buf = '';
    for (let c = await reader.read(); !c.done; c = await reader.read()) {
      chunks++;
      buf += Buffer.from(c.value).toString('utf8');
    }
    const out = lines(buf);
    expect(out).toHaveLength(n);
    expect(out.map((r) => r.id)).toEqual(items.map((it) => it.id));
    expect(chunks).toBeGreaterThan(10);
  }, 60_000);
});
