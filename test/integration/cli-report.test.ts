import fs from 'node:fs';
import path from 'node:path';
import type { ReportJson } from '../../shared/stats/report/json';
import { jsonl, makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';
import { runConcord } from '../helpers/cli';

let s: TestServer;
let id: string;
/** An annotator whose name carries a terminal escape (ESC [2J clears the screen) and a right-to-left override. */
const HOSTILE = 'h\u001b[2Jx\u202e';

beforeAll(async () => {
  s = await startServer();
  id = String(await makeProject(s, { certainty: true }, ITEMS));
  const r = await s.api('POST', `/api/projects/${id}/labels`, jsonl(LABELS), { type: 'application/x-ndjson' });
  if (r.status !== 200) throw new Error(`label import failed: ${JSON.stringify(r.body)}`);
});
afterAll(async () => {
  await s.close();
});

// ---------------------------------------------------------------------------------------------
// The data: 40 pairwise items in three categories, gold on the first 24 (none in the last category, prose); four humans (one always answers A: a
// spammer, whose name is hostile) and two judges, right about 90% and 65% of the time, with certainties.

const N = 40;
const truth = (i: number) => ((i * 7 + 3) % 5 < 2 ? 'B' : 'A');
const flip = (v: string) => (v === 'A' ? 'B' : 'A');
const ITEMS = pairwiseItems(N, (i) => ({ meta: { category: i >= 34 ? 'prose' : i % 3 === 0 ? 'code' : 'math' }, ...(i < 24 ? { gold: truth(i) } : {}) }));
/** Deterministic errors: annotator k is wrong on item i when (i·step + k) mod 20 falls below its error count. */
const wrong = (i: number, k: number, step: number, errorsIn20: number) => (i * step + k * 5) % 20 < errorsIn20;
const HUMANS: Array<[string, (i: number) => string]> = [
  ['h1', (i) => (wrong(i, 1, 3, 2) ? flip(truth(i)) : truth(i))],
  ['h2', (i) => (wrong(i, 2, 7, 3) ? flip(truth(i)) : truth(i))],
  ['h3', (i) => (wrong(i, 3, 11, 4) ? flip(truth(i)) : truth(i))],
  [HOSTILE, () => 'A'],
];
const JUDGES: Array<[string, number, number]> = [
  ['judge-good', 13, 2],
  ['judge-weak', 9, 7],
];
const LABELS = [
  ...HUMANS.flatMap(([annotator, value]) => ITEMS.map((it, i) => ({ item: it.id, annotator, value: value(i) }))),
  ...JUDGES.flatMap(([annotator, step, errors], k) =>
    ITEMS.map((it, i) => {
      const bad = wrong(i, k + 4, step, errors);
      return { item: it.id, annotator, kind: 'llm', value: bad ? flip(truth(i)) : truth(i), certainty: bad ? 40 + (i % 50) : 60 + (i % 41) };
    }),
  ),
];

// ---------------------------------------------------------------------------------------------
// Running the CLI as a user would, and reading its tables back

const concord = (...args: string[]) => runConcord(s, ...args);

/** The same report as tables and as JSON (the same options, so the same server computation). */
async function both(...options: string[]): Promise<{ text: string; json: ReportJson }> {
  const [text, json] = await Promise.all([concord('report', id, ...options), concord('report', id, '--json', ...options)]);
  expect(text.stderr).toBe('');
  expect(text.code).toBe(0);
  expect(json.code).toBe(0);
  return { text: text.stdout, json: JSON.parse(json.stdout) as ReportJson };
}

/** The cells of each body row of the first table after the line starting with `heading`. */
function tableAfter(text: string, heading: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (line.startsWith('│')) rows.push(line.split('│').slice(1, -1).map((c) => c.trim()));
  }
  return rows.slice(1); // the first row is the head
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const f3 = (v: number | null) => (v === null ? '–' : v.toFixed(3));
const p3 = (p: number | null) => (p === null ? '–' : p < 0.001 ? '< 0.001' : p.toFixed(3));
/** How the CLI shows a hostile name: each control character as its \u escape. */
const shown = (name: string) => name.replace(/[\u0000-\u001f\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('concord report, issue 10 sections', () => {
  test('prints the consensus line, judges compared, the alt-test and certified thresholds with the JSON report\'s figures', async () => {
    const { text, json } = await both('--min-items', '10', '--epsilon', '0.15', '--target', '0.8', '--delta', '0.2');
    // The options reached the server.
    const good = json.judges.find((j) => j.annotator === 'judge-good')!;
    expect(good.alt_test).toMatchObject({ epsilon: 0.15 });
    expect(good.selective).toMatchObject({ target: 0.8, delta: 0.2, min_items: 10 });
    expect(text).toContain('Agreement among humans'); // the existing sections stay
    expect(text).toContain(`Consensus: majority vote — ${json.aggregation.items} items\n`);

    const comparisons = tableAfter(text, 'Judges compared');
    expect(json.comparisons.length).toBeGreaterThanOrEqual(3); // the judges' pair, then each judge against the humans
    expect(comparisons).toEqual(
      json.comparisons.map((c) => [
        c.a,
        c.b_kind === 'humans' ? `${c.b} (pooled)` : c.b,
        c.reference,
        String(c.n),
        pct(c.accuracy_a),
        pct(c.accuracy_b),
        pct(c.difference),
        c.ci95[0] === null ? '–' : `[${pct(c.ci95[0])}, ${pct(c.ci95[1])}]`,
        p3(c.mcnemar_p),
        c.mcnemar_p !== null && c.mcnemar_p < 0.05 ? '*' : '',
      ]),
    );

    const alt = tableAfter(text, 'Alternative annotator test');
    expect(alt).toEqual(
      json.judges.map((j) =>
        j.alt_test
          ? [j.annotator, String(j.alt_test.epsilon), j.alt_test.metric, String(j.alt_test.annotators), String(j.alt_test.items), pct(j.alt_test.winning_rate), pct(j.alt_test.advantage_probability), j.alt_test.passed ? 'yes' : 'no']
          : [j.annotator, '–', '–', '–', '–', '–', '–', j.alt_test_reason!],
      ),
    );
    expect(good.alt_test).not.toBeNull();

    const certified = tableAfter(text, 'Certified certainty threshold');
    expect(certified).toEqual(
      json.judges.map((j) => {
        const c = j.selective!;
        return [j.annotator, String(c.target), String(c.delta), c.threshold === null ? 'none certified' : `certainty ≥ ${c.threshold}`, pct(c.coverage), pct(c.agreement), String(c.calibration_items)];
      }),
    );
    // Without a model, no competence column: the annotators table reads as before.
    expect(tableAfter(text, 'Annotators')[0]).toHaveLength(6);
  }, 60_000);

  test('--method mace names MACE with its spammer count and shows each human\'s competence, marking spammers', async () => {
    const { text, json } = await both('--method', 'mace');
    expect(json.aggregation.method).toBe('mace');
    expect(text).toContain(`Consensus: MACE — ${json.aggregation.items} items, ${json.aggregation.spammers} spammer${json.aggregation.spammers === 1 ? '' : 's'} flagged`);
    const rows = tableAfter(text, 'Annotators');
    expect(rows).toHaveLength(json.annotators.length);
    json.annotators.forEach((a, k) => {
      expect(rows[k]![0]).toBe(shown(a.annotator));
      expect(rows[k]![3]).toBe(pct(a.gold_accuracy));
      expect(rows[k]![4]).toBe(`${f3(a.competence)}${a.spammer ? ' spammer' : ''}`);
    });
    // The always-A annotator is the one MACE flags.
    expect(json.annotators.find((a) => a.annotator === HOSTILE)).toMatchObject({ spammer: true });
  }, 60_000);

  test('--by category prints the judges × slices table, accuracy against gold where a slice has it (else the majority), with the humans\' agreement', async () => {
    const { text, json } = await both('--by', 'category');
    const slices = json.slices!;
    expect(slices.by).toBe('category');
    expect(slices.groups.map((g) => g.value).sort()).toEqual(['code', 'math', 'prose']);
    const lines = text.split('\n');
    const head = lines[lines.findIndex((l) => l.startsWith('By category')) + 2]!;
    expect(head.split('│').slice(1, -1).map((c) => c.trim())).toEqual(['by category', ...slices.groups.map((g) => String(g.value))]);
    const rows = tableAfter(text, 'By category');
    expect(rows[0]).toEqual(['items', ...slices.groups.map((g) => String(g.items))]);
    expect(rows[1]).toEqual(["humans' agreement", ...slices.groups.map((g) => pct(g.humans.percent_agreement))]);
    expect(rows[2]).toEqual(["humans' Krippendorff α", ...slices.groups.map((g) => f3(g.humans.krippendorff_alpha.nominal))]);
    json.judges.forEach((j, k) => {
      const cells = slices.groups.map((g) => {
        const c = g.judges.find((x) => x.annotator === j.annotator)!;
        // prose has no gold: its cell is against the human majority; the other slices' against gold.
        const gold = g.value !== 'prose';
        expect(c.vs_gold !== null && c.vs_gold.n > 0).toBe(gold);
        return gold ? `${pct(c.vs_gold!.accuracy)} (n ${c.vs_gold!.n}, gold)` : `${pct(c.vs_majority.accuracy)} (n ${c.vs_majority.n})`;
      });
      expect(rows[3 + k]).toEqual([j.annotator, ...cells]);
    });
  }, 60_000);

  test('an annotator\'s name cannot send a terminal escape: its control characters are printed as escapes', async () => {
    const { text } = await both('--method', 'mace');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    expect(text).toContain('h\\u001b[2Jx\\u202e');
  }, 60_000);

  test('a server error quoting an imported id cannot send a terminal escape either', async () => {
    const file = path.join(s.dir, 'hostile-labels.jsonl');
    fs.writeFileSync(file, jsonl([{ item: 'q\u001b]0;pwned\u0007', annotator: 'h1', value: 'A' }]));
    const r = await concord('import', file, '--labels', '--project', id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 1\s+item: no item with id "q\\u001b\]0;pwned\\u0007"/);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  }, 60_000);

  test('a bad --method or an out-of-range number is refused in words, with exit code 1', async () => {
    const method = await concord('report', id, '--method', 'plurality');
    expect(method.code).toBe(1);
    expect(method.stderr).toContain("option '--method <method>' argument 'plurality' is invalid. Allowed choices are majority, dawid-skene, mace.");
    const target = await concord('report', id, '--target', '1.5');
    expect(target.code).toBe(1);
    expect(target.stderr).toContain('--target must be a number above 0 and below 1.');
    const items = await concord('report', id, '--min-items', 'ten');
    expect(items.code).toBe(1);
    expect(items.stderr).toContain('--min-items must be a whole number, 1 or more.');
    expect(`${method.stdout}${target.stdout}${items.stdout}`).toBe('');
  }, 60_000);
});

describe('concord report on a ranking project (issue 11)', () => {
  test("prints Kendall's W and the judges' ranking table with the JSON report's figures", async () => {
    const rid = String(
      await makeProject(s, { type: 'ranking' }, [
        { id: 'r1', question: 'Rank these', answers: ['a', 'b', 'c'] },
        { id: 'r2', question: 'And these', answers: ['d', 'e', 'f'], gold: [2, 1, 0] },
      ]),
    );
    const labels = [
      { item: 'r1', annotator: 'h1', value: [0, 1, 2] },
      { item: 'r1', annotator: 'h2', value: [1, 0, 2] },
      { item: 'r1', annotator: 'ranker', kind: 'llm', value: [0, 1, 2], permutation: [2, 0, 1] },
      { item: 'r2', annotator: 'h1', value: [2, 0, 1] },
      { item: 'r2', annotator: 'ranker', kind: 'llm', value: [0, [1, 2]], permutation: [0, 1, 2] },
    ];
    expect((await s.api('POST', `/api/projects/${rid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).status).toBe(200);
    const [text, json] = await Promise.all([concord('report', rid), concord('report', rid, '--json')]);
    expect(text.code).toBe(0);
    const r = JSON.parse(json.stdout) as ReportJson;
    expect(r.humans.kendall_w).toBeCloseTo(0.75, 12);
    expect(text.stdout).toContain("Kendall's W among humans: 0.750 (mean over 1 item ranked by two or more humans)");
    expect(text.stdout).toContain('The pairwise tables below are on 6 answer pairs');
    const k = r.judges[0]!.ranking!;
    expect(tableAfter(text.stdout, "Kendall's W among humans")).toEqual([
      ['ranker', '2', f3(k.kendall_tau_b), pct(k.top1_accuracy), '1', f3(k.gold!.kendall_tau_b), pct(k.gold!.top1_accuracy), '2', pct(k.first_position_rate), pct(k.first_position_expected)],
    ]);
    expect(k.first_position_rate).toBe(0.5);
  });
});
