/**
 * The report benchmark's project, written straight into SQLite (what is measured is the server, not the setup),
 * one per kind of item: plain pairs (issues 3 and 10), MT-Bench-shaped conversation pairs, or rankings of 4–5
 * answers (issue 11). Every kind has 5 human labels per item and 2 judges with 2 labels each (a pair in both
 * orders; a ranking as two samples, each shown in its own random order), so each seeds 9 labels per item.
 * Stored as the server stores them: a conversation item keeps every message with its judged turn's question and
 * answers beside them (shared/views.ts ItemContent); a ranking label's value is the ranking in the item's frame as
 * rankingText, with the order it was shown in as `permutation` (notes of issue 11, "Storage rules").
 */
import { turnAnswer, turnQuestion, type ChatTurn } from '../shared/conversation';
import { randomPermutation, rankingText, type Ranking } from '../shared/ranking';
import type { Db } from '../server/db/database';
import { conversationPair, rankingItem, seeded } from './lib/items';

export const REPORT_KINDS = ['pairwise', 'conversation', 'ranking'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const VERDICTS = ['A', 'B', 'tie'] as const;
/** Items' `meta.category`, for the sliced report (JudgeBench's four categories). */
export const CATEGORIES = ['knowledge', 'reasoning', 'math', 'coding'] as const;

interface Ctx {
  pid: number;
  now: number;
  rnd: () => number;
  humanIds: number[];
  judgeIds: number[];
  insItem: (externalId: string, content: string, gold: string | null, meta: string) => number;
  insLabel: (l: { item: number; annotator: number; value: string | null; certainty: number | null; order: 'AB' | 'BA' | null; sample: number; slot: string; ms: number; permutation: string | null; scores: string | null }) => void;
}

/** Writes the project; returns its id. */
export function seed(db: Db, kind: ReportKind, items: number, humans: number): number {
  const now = Date.now();
  const config = { redundancy: 5, options: null, scale: null, certainty: { min: 1, max: 100 }, rationale: 'off', instructions: '', gold_rate: 0, max_per_annotator: null, show_reference: true, lease_seconds: { human: 600, llm: 120 }, completion_code: null, redirect_url: null };
  const type = kind === 'ranking' ? 'ranking' : 'pairwise';
  const pid = Number(db.prepare('INSERT INTO projects (name, type, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(`report bench (${kind})`, type, JSON.stringify(config), now, now).lastInsertRowid);
  const insA = db.prepare('INSERT INTO annotators (project_id, kind, key, name, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck();
  const insI = db.prepare('INSERT INTO items (project_id, external_id, content, gold, meta, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id').pluck();
  const insL = db.prepare(
    "INSERT INTO labels (project_id, item_id, annotator_id, value, certainty, shown_order, sample, slot, duration_ms, created_at, source, permutation, scores) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', ?, ?)",
  );
  const ctx: Ctx = {
    pid,
    now,
    rnd: seeded(12345),
    humanIds: Array.from({ length: humans }, (_, h) => insA.get(pid, 'human', `h${h}`, `h${h}`, now) as number),
    judgeIds: ['judge-1', 'judge-2'].map((j) => insA.get(pid, 'llm', j, j, now) as number),
    insItem: (externalId, content, gold, meta) => insI.get(pid, externalId, content, gold, meta, now) as number,
    insLabel: (l) => insL.run(pid, l.item, l.annotator, l.value, l.certainty, l.order, l.sample, l.slot, l.ms, now, l.permutation, l.scores),
  };
  db.transaction(() => {
    for (let i = 0; i < items; i++) {
      const meta = JSON.stringify({ category: CATEGORIES[i % CATEGORIES.length] });
      if (kind === 'ranking') seedRanking(ctx, i, meta);
      else seedPair(ctx, i, meta, kind === 'conversation' ? conversationContent(i, ctx.rnd) : plainContent(i));
    }
  })();
  return pid;
}

/** The issue-3 item: a question and answers of varied length. */
const plainContent = (i: number) => JSON.stringify({ question: `Question ${i}: which answer is more helpful?`, answer_a: 'a'.repeat(40 + (i % 300)), answer_b: 'b'.repeat(160) });

/** An MT-Bench pair as the import stores it: both conversations whole, and the judged turn's question and answers. */
function conversationContent(i: number, rnd: () => number): string {
  const c = conversationPair(i, rnd);
  const a = c.conversation_a as ChatTurn[];
  const b = c.conversation_b as ChatTurn[];
  return JSON.stringify({ question: turnQuestion(a, c.turn), answer_a: turnAnswer(a, c.turn), answer_b: turnAnswer(b, c.turn), conversation_a: a, conversation_b: b, turn: c.turn });
}

/** A pair's labels as issue 3 seeded them: humans agree with a hidden truth 75% of the time, judges 65%. */
function seedPair(ctx: Ctx, i: number, meta: string, content: string): void {
  const { rnd, humanIds } = ctx;
  const truth = VERDICTS[Math.floor(rnd() * 3)]!;
  const item = ctx.insItem(`q${i}`, content, i % 20 === 0 ? truth : null, meta);
  const first = Math.floor(rnd() * humanIds.length);
  for (let h = 0; h < 5; h++) {
    const value = rnd() < 0.75 ? truth : VERDICTS[Math.floor(rnd() * 3)]!;
    ctx.insLabel({ item, annotator: humanIds[(first + h) % humanIds.length]!, value, certainty: null, order: rnd() < 0.5 ? 'AB' : 'BA', sample: 0, slot: '', ms: 4000 + Math.floor(rnd() * 30000), permutation: null, scores: null });
  }
  for (const j of ctx.judgeIds) {
    for (const order of ['AB', 'BA'] as const) {
      const value = rnd() < 0.02 ? null : rnd() < 0.65 ? truth : order === 'AB' ? 'A' : 'B';
      ctx.insLabel({ item, annotator: j, value, certainty: 1 + Math.floor(rnd() * 100), order, sample: 0, slot: `${order}#0`, ms: 800, permutation: null, scores: null });
    }
  }
}

/** A noisy copy of a ranking of single answers: each neighbouring pair swapped with probability `p`, and one in ten with its top two tied. */
function noisy(truth: number[], p: number, rnd: () => number): Ranking {
  const order = [...truth];
  for (let k = 0; k + 1 < order.length; k++) if (rnd() < p) [order[k], order[k + 1]] = [order[k + 1]!, order[k]!];
  const groups = order.map((a) => [a]);
  if (rnd() < 0.1) return [[order[0]!, order[1]!].sort((a, b) => a - b), ...groups.slice(2)];
  return groups;
}

/**
 * A ranking item's labels: humans rank a hidden true order with neighbours swapped 25% of the time; judges 35%, and
 * judge-1 (JudgeLM-like) also gives a score per answer; a judge's answer shown first is put first 1 time in 3 (a
 * position bias the report should see); 2% of judge outputs could not be read (value NULL).
 */
function seedRanking(ctx: Ctx, i: number, meta: string): void {
  const { rnd, humanIds } = ctx;
  const record = rankingItem(i, rnd);
  const n = record.answers.length;
  const truth = randomPermutation(n, rnd);
  const gold = i % 20 === 0 ? rankingText(truth.map((a) => [a])) : null;
  const item = ctx.insItem(`r${i}`, JSON.stringify({ question: record.question, answers: record.answers }), gold, meta);
  const first = Math.floor(rnd() * humanIds.length);
  for (let h = 0; h < 5; h++) {
    const permutation = randomPermutation(n, rnd);
    ctx.insLabel({ item, annotator: humanIds[(first + h) % humanIds.length]!, value: rankingText(noisy(truth, 0.25, rnd)), certainty: null, order: null, sample: 0, slot: '', ms: 8000 + Math.floor(rnd() * 60000), permutation: JSON.stringify(permutation), scores: null });
  }
  ctx.judgeIds.forEach((j, k) => {
    for (let sample = 0; sample < 2; sample++) {
      const permutation = randomPermutation(n, rnd);
      let ranking = noisy(truth, 0.35, rnd);
      if (rnd() < 1 / 3) ranking = [[permutation[0]!], ...ranking.map((g) => g.filter((a) => a !== permutation[0])).filter((g) => g.length > 0)];
      const value = rnd() < 0.02 ? null : rankingText(ranking);
      const scores = k === 0 && value !== null ? JSON.stringify(scoresOf(ranking, n)) : null;
      ctx.insLabel({ item, annotator: j, value, certainty: null, order: null, sample, slot: `-#${sample}`, ms: 1500, permutation: JSON.stringify(permutation), scores });
    }
  });
}

/** JudgeLM-style scores (1–10, item order) that agree with a ranking: 10 for the best group, one less per group. */
function scoresOf(r: Ranking, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  r.forEach((g, place) => g.forEach((a) => (out[a] = 10 - place)));
  return out;
}
