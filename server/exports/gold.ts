/**
 * The gold export's records (exports.service.ts says what a record's label is and where it comes from), built page by
 * page in one pass: a page of items, then their labels in one range read ordered by item, merged with the items in
 * order (no map of the page's labels), each label's annotator looked up once per export.
 */
import type { GoldRecord, ItemContent, Project } from '../../shared/views';
import type { Consensus } from '../reports/consensus';
import { tally } from '../../shared/stats/votes';
import { conversationFields, type ConversationFields } from './conversation-fields';
import type { ExportItemRow, ExportsRepo } from './exports.repo';
import { decideRanking, type ExportLabel } from './ranking-gold';
import { decidedFields, judgeDecided, type DecisionOf } from './routed-gold';
import { annotatorVotes, decide, type ExportQuery } from './exports.service';

export type GoldRow = GoldRecord & ConversationFields;
/** An escalating project's judge decisions with the judges' keys (records say who decided them). */
export type Route = { of: DecisionOf; key: (judgeId: number) => string | undefined };

/** The gold records of each page of the project's items, in id order (some pages may have none; `[]` is yielded then). */
export function* goldPages(repo: ExportsRepo, project: Project, q: ExportQuery, consensus: Consensus | null, route: Route | null, itemPages: Iterable<ExportItemRow[]>): Generator<GoldRow[]> {
  const annotators = repo.annotators(project.id);
  const metaOf = parsedMeta();
  // Without routing a record uses only the labels of annotators taking part (humans, judges too with include_llm):
  // only theirs are read. A routed record also reads the judges' labels (routed-gold.ts).
  const readOf = route ? null : [...annotators].flatMap(([id, a]) => (!a.excluded && (q.include_llm || a.kind === 'human') ? [id] : []));
  for (const items of itemPages) {
    // Ordered by item id, so a page's labels come in its items' order; ids in the range may be other projects' items.
    const rows = repo.labelsForItems(items[0]!.id, items[items.length - 1]!.id, readOf);
    const records: GoldRow[] = [];
    let at = 0;
    for (const it of items) {
      while (at < rows.length && rows[at]![0] < it.id) at++;
      const labels: ExportLabel[] = [];
      for (; at < rows.length && rows[at]![0] === it.id; at++) {
        const [, , annotatorId, value, certainty, rationale] = rows[at]!;
        const a = annotators.get(annotatorId);
        if (a && !a.excluded) labels.push({ annotator: a.key, kind: a.kind, value, certainty, rationale });
      }
      const r = goldRecord(project, it, labels, q, consensus, route, metaOf);
      if (r) records.push(r);
    }
    yield records;
  }
}

/**
 * Items' meta parsed once per distinct text: most items of a big project share a handful (a category, a source), and
 * the records only read it. Bounded, so a project whose every meta differs holds a few thousand at most.
 */
function parsedMeta(): (text: string | null) => Record<string, unknown> | null {
  const cache = new Map<string, Record<string, unknown>>();
  return (text) => {
    if (!text) return null;
    let v = cache.get(text);
    if (v === undefined) {
      if (cache.size >= 4096) cache.clear();
      cache.set(text, (v = JSON.parse(text) as Record<string, unknown>));
    }
    return v;
  };
}

function goldRecord(
  project: Project,
  it: ExportItemRow,
  all: ExportLabel[],
  q: ExportQuery,
  consensus: Consensus | null,
  route: Route | null,
  metaOf: (text: string | null) => Record<string, unknown> | null,
): GoldRow | null {
  let used = all.filter(
    (l) => l.value !== null && (q.include_llm || l.kind === 'human') && (q.min_certainty === undefined || (l.certainty !== null && l.certainty >= q.min_certainty)),
  );
  const judged = route?.of(it.id) ?? null;
  const judgeKey = judged ? route!.key(judged.judge) : undefined;
  const byJudge = judgeDecided(it, all, judged, judgeKey, project.type === 'pairwise');
  if (byJudge) used = byJudge.labels;
  // The item's content is parsed only for a record (a ranking's decision reads its answers). No closure or spread
  // per record: tsx names every closure it makes (esbuild's keepNames, ~0.7 s at a million records), and a literal
  // with spreads is slower to build than one whose members are set in order.
  let cc: ItemContent | null = project.type === 'ranking' ? (JSON.parse(it.content) as ItemContent) : null;
  const decided =
    byJudge?.decided ?? (cc ? decideRanking(it, used, cc.answers?.length ?? 0, q) : decide(it, tally(annotatorVotes(used, project.type === 'pairwise')), q, consensus));
  if (!decided) return null;
  cc ??= JSON.parse(it.content) as ItemContent;
  // Members in the order records have always had: the type's answers after the question, `posterior` after `meta`
  // (the columns a CSV had before issue 10 keep their positions), then conversation items' fields (issue 11) and who
  // decided (routing).
  const r = { id: it.external_id, question: cc.question } as GoldRow;
  if (project.type === 'pairwise') {
    r.answer_a = cc.answer_a ?? null;
    r.answer_b = cc.answer_b ?? null;
  } else if (project.type === 'rating') {
    r.answer = cc.answer ?? null;
    r.rubric = cc.rubric ?? null;
  } else if (project.type === 'ranking') r.answers = cc.answers ?? null;
  else r.options = cc.options ?? project.options;
  r.reference = cc.reference ?? null;
  r.persona = cc.persona ?? null;
  r.label = decided.label;
  r.agreement = decided.agreement;
  r.n = decided.n;
  r.source = decided.source;
  r.labels = used;
  r.meta = metaOf(it.meta);
  r.posterior = decided.posterior;
  const conversation = conversationFields(cc);
  if (conversation) Object.assign(r, conversation);
  if (route) Object.assign(r, decidedFields(judged, judgeKey, byJudge !== null));
  return r;
}
