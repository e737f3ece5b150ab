/**
 * The training-export benchmark's projects (issue 12), written straight into SQLite (what is measured is the
 * server, not the setup), one pairwise project per kind so each kind's export is about `items` records:
 * - **sft**: `items / 2` items, each judged by one judge in both orders (AB, BA), so `swap=1` gives 2 examples an item;
 * - **preference**: `items` items with 3 human votes each, ties and split votes left out by the export;
 * - **dpo**: `0.8 × items` items, each labelled by 2 judges twice in the AB order, the two samples disagreeing 85% of
 *   the time (a self-consistency set: the items a judge was not sure of), so a judge and order give one pair when one
 *   sample matches the reference (about 1.2 pairs an item).
 * Every item also has 3 human votes (the reference: their plurality). Items are a question of 100–300 characters and
 * two answers of 300–800 (about 1.3 KB of JSON). A judge label has a rationale of 350–700 characters that names the
 * assistants as MT-Bench's GPT-4 judgments do, and `meta` as the judge worker stores it (template, model, `raw`: the
 * rationale then the verdict, usage, latency), so about 1.1 KB of text a judge label.
 * The seed also counts the records each export must write, by the rules of server/exports/training.ts written
 * out again here (not imported), so a wrong count in the server shows.
 */
import type { Db } from '../../server/db/database';
import { prose, seeded } from '../lib/items';

export const TRAINING_KINDS = ['sft', 'dpo', 'preference'] as const;
export type TrainingKind = (typeof TRAINING_KINDS)[number];

type Verdict = 'A' | 'B' | 'tie';
const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie'];

export interface SeededProject {
  kind: TrainingKind;
  id: number;
  items: number;
  labels: number;
  /** Records the export must write (sft with swap=1). */
  expected: number;
}

interface Ctx {
  pid: number;
  now: number;
  rnd: () => number;
  humans: number[];
  judges: number[];
  item: (externalId: string, content: string) => number;
  label: (item: number, annotator: number, value: Verdict | null, order: 'AB' | 'BA' | null, sample: number, rationale: string | null, meta: string | null) => void;
  labels: number;
}

const between = (rnd: () => number, lo: number, hi: number) => Math.round(lo + rnd() * (hi - lo));
const other = (v: Verdict, rnd: () => number): Verdict => VERDICTS.filter((x) => x !== v)[Math.floor(rnd() * 2)]!;
/** A verdict that is `truth` with probability `p`, else one of the other two. */
const noisy = (truth: Verdict, p: number, rnd: () => number): Verdict => (rnd() < p ? truth : other(truth, rnd));

const PROJECT_CONFIG = JSON.stringify({
  redundancy: 3, options: null, scale: null, certainty: null, rationale: 'off', instructions: '', gold_rate: 0, max_per_annotator: null,
  show_reference: true, lease_seconds: { human: 600, llm: 120 }, completion_code: null, redirect_url: null,
});

/** Writes the three projects (in batches of 5,000 items a transaction); returns them with their expected counts. */
export function seedTraining(db: Db, items: number, log: (s: string) => void): SeededProject[] {
  const sizes: Record<TrainingKind, number> = { sft: Math.ceil(items / 2), dpo: Math.ceil(items * 0.8), preference: items };
  return TRAINING_KINDS.map((kind) => {
    const t0 = performance.now();
    const p = seedProject(db, kind, sizes[kind]);
    log(`seeded the ${kind} project: ${p.items} items, ${p.labels} labels, ${p.expected} records expected (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return p;
  });
}

function seedProject(db: Db, kind: TrainingKind, items: number): SeededProject {
  const now = Date.now();
  const pid = Number(db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES (?, 'pairwise', ?, ?, ?)").run(`exports bench (${kind})`, PROJECT_CONFIG, now, now).lastInsertRowid);
  const insA = db.prepare('INSERT INTO annotators (project_id, kind, key, name, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck();
  const insI = db.prepare('INSERT INTO items (project_id, external_id, content, created_at) VALUES (?, ?, ?, ?) RETURNING id').pluck();
  const insL = db.prepare(
    "INSERT INTO labels (project_id, item_id, annotator_id, value, shown_order, sample, slot, rationale, meta, duration_ms, created_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import')",
  );
  const ctx: Ctx = {
    pid,
    now,
    rnd: seeded(1200 + TRAINING_KINDS.indexOf(kind)),
    humans: Array.from({ length: 20 }, (_, h) => insA.get(pid, 'human', `h${h}`, `h${h}`, now) as number),
    judges: (kind === 'preference' ? [] : kind === 'sft' ? ['judge-1'] : ['judge-1', 'judge-2']).map((j) => insA.get(pid, 'llm', j, j, now) as number),
    item: (externalId, content) => insI.get(pid, externalId, content, now) as number,
    label: (item, annotator, value, order, sample, rationale, meta) => {
      const judge = order !== null;
      insL.run(pid, item, annotator, value, order, sample, judge ? `${order}#${sample}` : '', rationale, meta, judge ? 900 : 4000 + Math.floor(ctx.rnd() * 30000), now);
      ctx.labels++;
    },
    labels: 0,
  };
  let expected = 0;
  const seedItem = kind === 'sft' ? sftItem : kind === 'dpo' ? dpoItem : preferenceItem;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) expected += seedItem(ctx, i);
  });
  for (let from = 0; from < items; from += 5000) batch(from, Math.min(items, from + 5000));
  return { kind, id: pid, items, labels: ctx.labels, expected };
}

/** The item, its 3 human votes (each the truth with probability 0.8), and the reference they give (null: no plurality). */
function humanItem(ctx: Ctx, i: number): { id: number; truth: Verdict; reference: Verdict | null } {
  const { rnd } = ctx;
  const content = JSON.stringify({
    question: prose(between(rnd, 100, 300), rnd, `Question ${i}:`),
    answer_a: prose(between(rnd, 300, 800), rnd, `Answer A to ${i}.`),
    answer_b: prose(between(rnd, 300, 800), rnd, `Answer B to ${i}.`),
  });
  const id = ctx.item(`q${i}`, content);
  const x = rnd();
  const truth: Verdict = x < 0.45 ? 'A' : x < 0.9 ? 'B' : 'tie';
  const counts = new Map<Verdict, number>();
  const first = Math.floor(rnd() * ctx.humans.length);
  for (let h = 0; h < 3; h++) {
    const v = noisy(truth, 0.8, rnd);
    counts.set(v, (counts.get(v) ?? 0) + 1);
    ctx.label(id, ctx.humans[(first + h) % ctx.humans.length]!, v, null, 0, null, null);
  }
  // Plurality with tie detection (shared/stats/votes.ts): three votes have a winner unless all three differ.
  const top = Math.max(...counts.values());
  const leaders = [...counts].filter(([, n]) => n === top);
  return { id, truth, reference: leaders.length === 1 ? leaders[0]![0] : null };
}

const SAY: Record<Verdict, string> = {
  A: 'Assistant A answers the question directly and correctly, while Assistant B misses a step and ends with a claim it does not support.',
  B: 'Assistant B is more accurate and more complete; Assistant A starts well but its second half contradicts what it said first.',
  tie: 'Assistant A and Assistant B give essentially the same answer, with similar accuracy, depth and clarity.',
};
const BRACKET: Record<Verdict, string> = { A: '[[A]]', B: '[[B]]', tie: '[[C]]' };

/**
 * A judge's label as the judge worker stores it: the verdict (canonical frame), its rationale, and meta with the raw
 * output in MT-Bench pair-v2's form (the rationale, then [[A]], [[B]] or [[C]] as shown). 2% could not be parsed.
 */
function judgeLabel(ctx: Ctx, item: number, judge: number, value: Verdict, order: 'AB' | 'BA', sample: number): Verdict | null {
  const { rnd } = ctx;
  const shown: Verdict = order === 'AB' || value === 'tie' ? value : value === 'A' ? 'B' : 'A';
  const rationale = prose(between(rnd, 350, 700), rnd, SAY[shown]);
  const parsed = rnd() >= 0.02;
  const raw = parsed ? `${rationale}\n\n${BRACKET[shown]}` : `${rationale}\n\nBoth answers have merit.`;
  const meta = {
    template: 'pair-v2', template_version: 'a1b2c3d4', model: 'gpt-4o-mini-2024-07-18', structured: false, raw,
    usage: { prompt_tokens: 700 + Math.floor(rnd() * 600), completion_tokens: 150 + Math.floor(rnd() * 150) },
    latency_ms: 800 + Math.floor(rnd() * 4000), tries: 1, finish_reason: 'stop',
    ...(parsed ? {} : { invalid: 'no verdict in the output' }),
  };
  ctx.label(item, judge, parsed ? value : null, order, sample, parsed ? rationale : null, JSON.stringify(meta));
  return parsed ? value : null;
}

/** sft with swap=1: two examples per item with a reference. */
function sftItem(ctx: Ctx, i: number): number {
  const it = humanItem(ctx, i);
  for (const order of ['AB', 'BA'] as const) judgeLabel(ctx, it.id, ctx.judges[0]!, noisy(it.truth, 0.7, ctx.rnd), order, 0);
  return it.reference === null ? 0 : 2;
}

/** dpo: one pair per judge and order whose samples include one that matches the reference and one that does not. */
function dpoItem(ctx: Ctx, i: number): number {
  const it = humanItem(ctx, i);
  let pairs = 0;
  for (const judge of ctx.judges) {
    const first = noisy(it.truth, 0.6, ctx.rnd);
    const second = ctx.rnd() < 0.85 ? other(first, ctx.rnd) : first;
    const values = [judgeLabel(ctx, it.id, judge, first, 'AB', 0), judgeLabel(ctx, it.id, judge, second, 'AB', 1)].filter((v) => v !== null);
    if (it.reference !== null && values.includes(it.reference) && values.some((v) => v !== it.reference)) pairs++;
  }
  return pairs;
}

/** preference: one pair per item whose reference is A or B. */
function preferenceItem(ctx: Ctx, i: number): number {
  const it = humanItem(ctx, i);
  return it.reference === 'A' || it.reference === 'B' ? 1 : 0;
}
