/**
 * Judge-training exports (issue 12, part 3), streamed page by page like the gold export:
 * - `sft`: one example per judged item and order, in JudgeLM's fine-tuning shape (`question_id`, `question_body`,
 *   `answer1_body`, `answer2_body`, `score`, `text`: the fields of JudgeLM's training data, as its own preset
 *   reads them; github.com/baaivision/JudgeLM, judgelm/data) and as OpenAI chat `messages`: the judge prompt
 *   exactly as the judge worker renders it for that item and order, then the reference verdict with its
 *   rationale as the assistant turn in the template's answer format.
 * - `dpo`: for an item a judge labelled several times in one order, the prompt, a judgment whose verdict matches
 *   the reference (`chosen`) and one that does not (`rejected`), in TRL's conversational preference format.
 * - `preference`: reward-model pairs from the humans' consensus in TRL's standard format (`prompt`, `chosen`,
 *   `rejected`), ties left out, `agreement` kept.
 * The reference is the gold export's (the adjudication, else the item's gold, else the votes' consensus): the
 * same `decide`, not a copy. Pairwise projects only.
 */
import { z } from 'zod';
import type { ItemContent, Project } from '../../shared/views';
import type { SessionInfo } from '../../shared/protocol';
import type { Category } from '../../shared/stats/ratings';
import { tally } from '../../shared/stats/votes';
import { BUILT_IN_TEMPLATES, chooseTemplate, renderTask, type Message } from '../../judge-worker/templates';
import type { JudgeTemplate } from '../../shared/schemas';
import { AppError } from '../errors';
import type { Consensus } from '../reports/consensus';
import { taskItem } from '../tasks/task-item';
import type { ExportItemRow, ExportsRepo, TrainingLabelRow } from './exports.repo';
import { annotatorVotes, decide, encode, keysetPages, objectOf, type ExportQuery } from './exports.service';
import type { Column } from './columns';
import type { RecordPage } from './parquet';
import type { ExportLabel } from './ranking-gold';


type Order = 'AB' | 'BA';
type Label = TrainingLabelRow & { kind: 'human' | 'llm'; annotator: string };
// 50 items a page: a page of sft or dpo records (100 of ~5 kB) takes ~25 ms to build and encode, so no slice of the
// export holds the event loop for long (500 items took 230 ms).
const PAGE = 50;

interface Ctx {
  project: Project;
  info: SessionInfo['project'];
  template: JudgeTemplate | null;
  q: ExportQuery;
  consensus: Consensus | null;
}

/** The export's chunks, one per page of items (exports.service `encode`). */
export function* trainingChunks(repo: ExportsRepo, project: Project, q: ExportQuery, consensus: Consensus | null, columns: Column[]): Generator<Uint8Array | RecordPage> {
  if (project.type !== 'pairwise') throw new AppError('invalid-input', `The ${q.kind} export covers pairwise projects; this project is ${project.type}`);
  const template = q.template === undefined ? null : BUILT_IN_TEMPLATES.find((t) => t.name === q.template && t.type === 'pairwise');
  if (template === undefined) throw new AppError('invalid-input', `template: no built-in pairwise template "${q.template}"`);
  if (template && template.parser !== 'verdict') throw new AppError('invalid-input', `template: "${template.name}" answers with scores; the training exports write verdict templates' answers ([[A]]/[[B]]/[[C]])`);
  const ctx: Ctx = { project, info: projectInfo(project), template, q, consensus: q.method === 'majority' ? null : consensus };
  const annotators = repo.annotators(project.id);
  const record = q.kind === 'sft' ? sftRecords : q.kind === 'dpo' ? dpoRecords : preferenceRecords;
  function* pages(): Generator<object[]> {
    for (const items of keysetPages((after) => repo.items(project.id, after, PAGE))) {
      const byItem = new Map<number, Label[]>();
      for (const l of repo.trainingLabels(items[0]!.id, items[items.length - 1]!.id)) {
        const a = annotators.get(l.annotator_id);
        if (!a || a.excluded) continue;
        const list = byItem.get(l.item_id) ?? [];
        if (list.length === 0) byItem.set(l.item_id, list);
        list.push({ ...l, kind: a.kind, annotator: a.key });
      }
      yield items.flatMap((it) => record(ctx, it, byItem.get(it.id) ?? []));
    }
  }
  const csvRow = (r: object) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]));
  yield* encode(pages(), q.format, columns, csvRow);
}


/** What the judge worker is told of the project (tasks.service `session`), for rendering. */
function projectInfo(p: Project): SessionInfo['project'] {
  return {
    id: p.id, title: p.public_title ?? p.name, type: p.type, instructions: p.instructions, options: p.options, scale: p.scale,
    certainty: p.certainty, rationale: p.rationale, completion_code: null, redirect_url: null, lease_seconds: p.lease_seconds.llm,
  };
}

/** The reference verdict of an item: the gold export's decision over the votes it counts (humans unless include_llm). */
function reference(ctx: Ctx, it: ExportItemRow, labels: readonly Label[]) {
  const used: ExportLabel[] = labels
    .filter((l) => l.value !== null && (ctx.q.include_llm || l.kind === 'human'))
    .map((l) => ({ annotator: l.annotator, kind: l.kind, value: l.value, certainty: null, rationale: l.rationale }));
  return decide(it, tally(annotatorVotes(used, true)), ctx.q, ctx.consensus);
}

/** The judge's messages for the item in this order: the item as a judge's task shows it, rendered (text only). */
function prompt(ctx: Ctx, it: ExportItemRow, content: ItemContent, order: Order): Message[] {
  const c: ItemContent = { ...content };
  delete c.images;
  if (!ctx.q.reference_answer) delete c.reference;
  const lease = { id: '', annotatorId: 0, kind: 'llm' as const, itemId: it.id, order, permutation: null, sample: 0, slot: '', issuedAt: 0, expiresAt: 0, submitting: false, handedTo: null };
  const item = taskItem(ctx.project, it.external_id, c, lease, 'llm', { get: () => undefined });
  const t = ctx.template ?? chooseTemplate('pairwise', {}, item);
  if (t.parser !== 'verdict') throw new AppError('invalid-input', `template: item ${it.external_id}'s default template "${t.name}" does not answer with a verdict; name one with template=`);
  return renderTask(t, item, ctx.info, false).messages;
}

const orderOf = (l: TrainingLabelRow): Order => l.shown_order ?? 'AB';
/** A canonical verdict (A = the item's answer_a) as shown in an order; a tie is MT-Bench's [[C]]. */
const shown = (v: Category, order: Order): string => (v === 'tie' ? 'C' : order === 'BA' ? (v === 'A' ? 'B' : 'A') : String(v));
/** A judgment as the verdict template answers: the rationale, then the verdict (MT-Bench pair-v2's format). */
const judgment = (rationale: string | null, v: Category, order: Order) => `${rationale ? `${rationale}\n\n` : ''}[[${shown(v, order)}]]`;
/** The text a judge produced: its raw output when the worker stored it, else its rationale and verdict. */
const judgmentOf = (l: Label) => {
  const raw = objectOf(l.meta).raw;
  return typeof raw === 'string' ? raw : judgment(l.rationale, l.value!, orderOf(l));
};

function sftRecords(ctx: Ctx, it: ExportItemRow, labels: Label[]): object[] {
  const ref = reference(ctx, it, labels);
  if (!ref) return [];
  const content = JSON.parse(it.content) as ItemContent;
  const judged = labels.filter((l) => l.kind === 'llm' && l.value !== null);
  const orders: Order[] = ctx.q.swap ? ['AB', 'BA'] : judged.length ? (['AB', 'BA'] as const).filter((o) => judged.some((l) => orderOf(l) === o)) : ['AB'];
  return orders.map((order) => {
    const r = sftRationale(it, labels, ref.label, order);
    const raw = r.from ? objectOf(r.from.meta).raw : undefined;
    const scores = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*(?:\n|$)/.exec(raw) : null;
    const rationale = r.text;
    const messages = prompt(ctx, it, content, order);
    const [first, second] = order === 'AB' ? [content.answer_a, content.answer_b] : [content.answer_b, content.answer_a];
    const text = judgment(rationale, ref.label, order);
    return {
      id: it.external_id, order, verdict: shown(ref.label, order), label: ref.label, source: ref.source, rationale,
      rationale_from: r.source, rationale_swapped: r.swapped,
      question_id: it.external_id, question_body: content.question, answer1_body: first ?? null, answer2_body: second ?? null,
      score: scores ? (r.swapped ? [Number(scores[2]), Number(scores[1])] : [Number(scores[1]), Number(scores[2])]) : null, text,
      reference_answer: ctx.q.reference_answer ? (content.reference ?? null) : null,
      messages: [...messages, { role: 'assistant', content: text }],
    };
  });
}

/**
 * The rationale of an example: the adjudication's note, else that of a judge's (then a human's) label that agrees
 * with the reference, written in this order if there is one, else in the other order with the assistants' names
 * swapped, as JudgeLM's swap augmentation does (github.com/baaivision/JudgeLM, judgelm/train/train.py,
 * `preprocess`: answers, scores and "Assistant 1"/"Assistant 2" in the text exchanged).
 */
function sftRationale(it: ExportItemRow, labels: readonly Label[], ref: Category, order: Order) {
  const pick = (o: Order) => labels.find((l) => l.kind === 'llm' && l.value === ref && l.rationale && orderOf(l) === o) ?? labels.find((l) => l.kind === 'human' && l.value === ref && l.rationale && orderOf(l) === o);
  const other: Order = order === 'AB' ? 'BA' : 'AB';
  // The adjudication's note is written about the item's own order (AB).
  if (it.adj_value !== null && it.adj_note) return { text: order === 'AB' ? it.adj_note : swapNames(it.adj_note), source: 'adjudication', swapped: order !== 'AB', from: null };
  const same = pick(order);
  if (same) return { text: same.rationale, source: same.annotator, swapped: false, from: same };
  const far = pick(other);
  if (far) return { text: swapNames(far.rationale!), source: far.annotator, swapped: true, from: far };
  return { text: null, source: null, swapped: false, from: null };
}

const SWAP: Record<string, string> = { A: 'B', B: 'A', '1': '2', '2': '1' };
/**
 * A rationale written about the other order: the answers' names exchanged in one pass, "Assistant A/B/1/2" as
 * JudgeLM does and "Response 1/2" as PandaLM's judgments name them.
 */
const swapNames = (t: string) => t.replace(/\b(Assistant|Response) ([AB12])\b/g, (_m, who: string, n: string) => `${who} ${SWAP[n]!}`);

function dpoRecords(ctx: Ctx, it: ExportItemRow, labels: Label[]): object[] {
  const ref = reference(ctx, it, labels);
  if (!ref) return [];
  const content = JSON.parse(it.content) as ItemContent;
  const out: object[] = [];
  // One pair per judge and order: the two judgments answer the same prompt.
  const groups = new Map<string, Label[]>();
  for (const l of labels) {
    if (l.kind !== 'llm' || l.value === null) continue;
    const key = `${l.annotator}\u0000${orderOf(l)}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  for (const group of groups.values()) {
    const chosen = group.find((l) => l.value === ref.label);
    const rejected = group.find((l) => l.value !== ref.label);
    if (!chosen || !rejected) continue;
    const order = orderOf(chosen);
    out.push({
      id: it.external_id, judge: chosen.annotator, order, reference: ref.label, source: ref.source,
      chosen_verdict: chosen.value, rejected_verdict: rejected.value,
      prompt: prompt(ctx, it, content, order),
      chosen: [{ role: 'assistant', content: judgmentOf(chosen) }],
      rejected: [{ role: 'assistant', content: judgmentOf(rejected) }],
    });
  }
  return out;
}

function preferenceRecords(ctx: Ctx, it: ExportItemRow, labels: Label[]): object[] {
  const ref = reference(ctx, it, labels);
  if (!ref || (ref.label !== 'A' && ref.label !== 'B')) return [];
  const c = JSON.parse(it.content) as ItemContent;
  const [chosen, rejected] = ref.label === 'A' ? [c.answer_a, c.answer_b] : [c.answer_b, c.answer_a];
  return [{ id: it.external_id, prompt: c.question, chosen: chosen ?? null, rejected: rejected ?? null, label: ref.label, agreement: ref.agreement, n: ref.n, source: ref.source }];
}
