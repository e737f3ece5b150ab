import { z } from 'zod';
import type { Project } from '../../shared/views';
import type { Category } from '../../shared/stats/ratings';
import type { AggregationMethod } from '../../shared/stats/crowd/types';
import { oneVote, type Tally } from '../../shared/stats/votes';
import { parseOrThrow } from '../errors';
import { AggregationMethod as Method, Flag } from '../../shared/schemas';
import { consensusOf, type Consensus } from '../reports/consensus';
import { EXPORT_FORMATS, EXPORT_KINDS } from '../../shared/constants';
import type { ConversationFields } from './conversation-fields';
import { columnNames, goldColumns, labelColumns, TRAINING_COLUMNS, type Column } from './columns';
import { toCsv } from './csv';
import { parquetChunks, type RecordPage } from './parquet';
import type { ExportItemRow, ExportLabelRow, ExportsRepo } from './exports.repo';
import type { Decided, ExportLabel } from './ranking-gold';
import { TrainingOptions } from './training-options';
import { trainingChunks } from './training';
import type { DecisionOf } from './routed-gold';
import { goldPages, type GoldRow } from './gold';
import { goldJson } from './gold-json';
import { Pace } from './pace';
import { sharePages, type Share } from './share';
import { parquetThreadChunks, threadChunks, THREADS } from './export-thread';

export const ExportQuery = z.object({
  kind: z.enum(EXPORT_KINDS).default('gold'),
  ...TrainingOptions.shape,
  format: z.enum(EXPORT_FORMATS).default('jsonl'),
  /** Gold: least number of votes (annotators, one each) behind a consensus label. */
  min_labels: z.coerce.number().int().min(1).default(1),
  /** Gold: least share of votes that agree with the consensus label (0–1). */
  min_agreement: z.coerce.number().min(0).max(1).default(0),
  /** Gold: labels with a lower certainty (or none) are left out before the consensus is taken. */
  min_certainty: z.coerce.number().optional(),
  /** Gold: let LLM judges' labels take part in the consensus (off by default: a gold set is human). */
  include_llm: Flag.default(false),
  /** Gold: how the consensus is reached (the project's `aggregation` by default). */
  method: Method.optional(),
});
/** The export's options, the consensus method resolved (the project's when the request names none). */
export type ExportQuery = z.infer<typeof ExportQuery> & { method: AggregationMethod };


/**
 * Gold sets and raw label exports, streamed page by page. The consensus of an item is, in order: the researcher's
 * adjudication, the item's own gold label, else its votes' consensus, one vote per annotator: under `majority` their
 * plurality (`unanimous` when every vote agrees; an item whose top count is shared has no consensus and is left
 * out), under `dawid-skene` or `mace` the model's most probable label, which every item with a vote has (the model
 * is fitted in the report worker before the export starts: {@link Consensus}). Labels of annotators left out of the
 * report (excluded humans, archived judges) take no part; the labels export keeps them, flagged.
 */
export class ExportsService {
  constructor(
    private readonly repo: ExportsRepo,
    /** An escalating project's judge decisions by item (the live router's: server/assignment/router.ts); null otherwise. */
    private readonly decisions: (project: Project) => DecisionOf | null = () => null,
  ) {}

  parse(query: unknown, project: Project): ExportQuery {
    const q = parseOrThrow(ExportQuery, query, 'export options');
    return { ...q, method: q.method ?? project.aggregation };
  }

  contentType(q: ExportQuery): string {
    // Parquet's media type, registered with IANA in 2024 (www.iana.org/assignments/media-types/application/vnd.apache.parquet).
    return q.format === 'csv' ? 'text/csv; charset=utf-8' : q.format === 'parquet' ? 'application/vnd.apache.parquet' : 'application/x-ndjson; charset=utf-8';
  }

  /**
   * The export as a lazy sequence of chunks, bytes of text (JSONL, CSV: one per page) or of Parquet (one per row
   * group), so the caller can respect backpressure. A gold export under a model needs the model's `consensus`
   * (ReportsService.consensus); under majority it is null. `columns` are {@link columns}'.
   */
  stream(project: Project, q: ExportQuery, consensus: Consensus | null, columns: Column[]): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
    const threads = this.threads(project, q);
    if (threads) {
      const spec = { dbFile: this.repo.file!, project, q, consensus: this.goldConsensus(project, q, consensus), columns };
      return q.format === 'parquet' && q.kind === 'labels' ? parquetThreadChunks(spec) : threadChunks(spec, threads);
    }
    const chunks = this.chunks(project, q, consensus, columns);
    return q.format === 'parquet' ? parquetChunks(chunks as Iterable<RecordPage>) : (chunks as Iterable<Uint8Array>);
  }

  /**
   * How many threads build the export (export-thread.ts; Parquet labels: one, its records encoded on another), 0 for none:
   * a gold or labels export (any format) of a project of at least THREADS.minItems items in a database file, gold
   * without routing (a routed record asks the live router, which lives on the main thread). Smaller exports are built
   * here in 5 ms steps (a thread's start costs ~0.3 s). The labels in JSONL and CSV were built here until the 4
   * December session: 9M labels at 238–282k records/s, but a step now and then took 45–137 ms, the page's read and
   * text slowed by the kernel's work for the socket (softirqs) in the same thread; on threads 355–374k/s (JSONL) and
   * 512k/s (CSV), the main thread only writing, its longest stall 25–36 ms, all of it waiting for a core.
   */
  private threads(project: Project, q: ExportQuery): number {
    const threaded = q.kind === 'gold' ? !project.routing : q.kind === 'labels';
    if (this.repo.file === null || !threaded) return 0;
    return this.repo.itemSpan(project.id) >= THREADS.minItems ? THREADS.count : 0;
  }

  /**
   * The export's typed columns, as its CSV header, Parquet schema and a dataset card name them. A gold export of a
   * project holding conversation items has their columns (a JSONL record has them only when its item is one).
   */
  async columns(project: Project, q: Pick<ExportQuery, 'kind'>): Promise<Column[]> {
    if (q.kind === 'labels') return labelColumns(project);
    if (q.kind === 'gold') return goldColumns(project, this.hasConversations(project));
    return TRAINING_COLUMNS[q.kind];
  }

  /** Whether any item of the project is a conversation: one probe of a partial index (migration 0007). */
  private hasConversations(project: Project): boolean {
    if (project.type === 'ranking' || project.type === 'choice') return false;
    return this.repo.hasConversation(project.id);
  }

  /**
   * The export's pages: text chunks for JSONL and CSV, pages of records for Parquet (see {@link encode}), in the
   * export's `columns` ({@link columns}, asked once: a gold export's looks for conversation items).
   */
  *chunks(project: Project, q: ExportQuery, consensus: Consensus | null, columns: Column[]): Generator<Uint8Array | RecordPage> {
    if (q.kind !== 'labels' && q.kind !== 'gold') {
      yield* trainingChunks(this.repo, project, q, consensus, columns);
      return;
    }
    const pace = new Pace();
    const { pages, csvRow } = this.recordPages(project, q, this.goldConsensus(project, q, consensus), null, pace);
    yield* encode(pages, q.format, columns, csvRow, pace);
  }

  /** The consensus a gold export uses: none under majority or for a ranking project (its gold is the mean rank). */
  private goldConsensus(project: Project, q: ExportQuery, consensus: Consensus | null): Consensus | null {
    return q.kind !== 'gold' || q.method === 'majority' || project.type === 'ranking' ? null : consensus;
  }

  /**
   * A gold or labels export's records, a page of them for each page of rows read (maybe none), and how a CSV row is
   * made of a record. Pages are read in `pace`'s steps, or, in an export's thread, its `share` of them.
   */
  recordPages(project: Project, q: ExportQuery, consensus: Consensus | null, share: Share | null, pace: Pace | null): { pages: Iterable<object[]>; csvRow?: (r: object) => object } {
    const pid = project.id;
    if (q.kind === 'labels') {
      const rows = share
        ? sharePages(share, (after, n) => this.repo.labels(pid, after, n), (after, n) => this.repo.labelAfter(pid, after, n), (l) => l.id)
        : keysetPages((after) => this.repo.labels(pid, after, pace!.next()));
      return { pages: this.labelPages(project, q, rows) };
    }
    const items = share
      ? sharePages(share, (after, n) => this.repo.items(pid, after, n), (after, n) => this.repo.itemAfter(pid, after, n), (it) => it.id)
      : keysetPages((after) => this.repo.items(pid, after, pace!.next()));
    return this.goldPages(project, q, consensus, items);
  }

  private *labelPages(project: Project, q: ExportQuery, pages: Iterable<ExportLabelRow[]>): Generator<object[]> {
    // A judge's registration, read once per judge: the model and template of labels whose meta does not name them.
    const registrations = new Map<number, JudgeRegistration>();
    const registration = (l: ExportLabelRow): JudgeRegistration => {
      let r = registrations.get(l.annotator_id);
      if (!r) registrations.set(l.annotator_id, (r = l.kind === 'llm' ? objectOf(l.config) : {}));
      return r;
    };
    const record = labelRecords();
    if (project.type !== 'ranking') {
      yield* mapPages(pages, (l) => record(l, registration(l)));
      return;
    }
    // Ranking labels: the display order and scores last, as the label import takes them (lists; JSON text in a CSV).
    const csv = q.format === 'csv';
    yield* mapPages(pages, (l) => ({ ...record(l, registration(l)), permutation: listOf(l.permutation, csv), scores: listOf(l.scores, csv) }));
  }

  private goldPages(project: Project, q: ExportQuery, consensus: Consensus | null, items: Iterable<ExportItemRow[]>): { pages: Iterable<object[]>; csvRow: (r: object) => object } {
    if (q.method !== 'majority' && project.type !== 'ranking' && !consensus) throw new Error(`goldChunks: a ${q.method} export needs the model's consensus`);
    // An escalating project's records say who decided them (its columns do), even with no cascade judge left to decide.
    // Only a project with routing has a router to ask: asking loads the project's assignment state (seconds at 1M items).
    const routed = project.routing ? (this.decisions(project) ?? (project.routing.mode === 'escalate' ? () => null : null)) : null;
    const annotators = routed ? this.repo.annotators(project.id) : null;
    const route = routed && { of: routed, key: (id: number) => annotators!.get(id)?.key };
    const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
    // A CSV's labels and meta cells by hand (gold-json.ts: JSON.stringify's text, the repeated parts written once).
    const writer = goldJson();
    // A CSV record is not used again once it is a row: its JSON-typed cells are set in place (a copy of every
    // record with a spread cost ~4 s of the gold CSV's 32 s CPU at a million records, and its garbage). A member the
    // record lacks stays absent (an empty cell either way).
    const csvRow = (record: object): object => {
      const r = record as GoldRow;
      const row = r as unknown as Record<string, unknown>;
      for (const k of JSON_CELLS) if (row[k] !== undefined) row[k] = json(row[k]);
      row.labels = writer.labels(r.labels);
      if (r.meta !== undefined) row.meta = r.meta === null ? null : writer.meta(r.meta);
      return row;
    };
    // Conversation items' columns come last, and only in a project that has such items (a CSV's header and a Parquet
    // schema are fixed first): `columns` has them then.
    return { pages: goldPages(this.repo, project, q, consensus, route, items), csvRow };
  }
}

/** A gold record's members written as JSON text in a CSV cell (labels and meta aside: gold-json.ts writes them). */
const JSON_CELLS = ['options', 'answers', 'conversation_a', 'conversation_b', 'conversation'] as const;

/** Keyset pages of rows by id (each page after the last id of the one before) until one comes back empty. */
export function* keysetPages<Row extends { id: number }>(page: (afterId: number) => Row[]): Generator<Row[]> {
  for (let rows = page(0); rows.length > 0; rows = page(rows[rows.length - 1]!.id)) yield rows;
}

function* mapPages<T, R>(pages: Iterable<T[]>, f: (x: T) => R): Generator<R[]> {
  for (const page of pages) yield page.map(f);
}

/**
 * Pages of records as chunks, one per page: JSON lines; CSV
 * rows with the header before the first (a CSV export with no record is its header alone), each record through
 * `csvRow`; or, for Parquet, the records themselves with their
 * typed columns (parquet.ts encodes them; the first page is yielded even when empty, so the file has its schema).
 * A page with no record yields nothing otherwise. Each page's work, from reading it to its chunk, is timed for
 * `pace`, which sizes the next.
 */
export function* encode<R>(
  pages: Iterable<R[]>,
  format: ExportQuery['format'],
  columns: Column[],
  csvRow: (r: R) => object = (r) => r as object,
  pace?: Pace,
): Generator<Uint8Array | RecordPage> {
  let first = true;
  let start = performance.now();
  for (const records of pages) {
    let chunk: Uint8Array | RecordPage | null = null;
    if (records.length > 0) {
      chunk = format === 'parquet' ? { columns, rows: records as Array<Record<string, unknown>> } : Buffer.from(pageText(records, format, columns, csvRow, first));
      first = false;
    }
    pace?.took(performance.now() - start);
    if (chunk) yield chunk;
    start = performance.now();
  }
  if (first && format === 'csv') yield Buffer.from(toCsv([], columnNames(columns), true));
  if (first && format === 'parquet') yield { columns, rows: [] };
}

/**
 * A page of records as text: JSON lines, or CSV rows (each record through `csvRow`, the header first when asked).
 * Sent as UTF-8 bytes: a string written to the response is measured (Buffer.byteLength) and then encoded, twice the work.
 */
export function pageText<R>(records: readonly R[], format: 'jsonl' | 'csv', columns: Column[], csvRow: (r: R) => object = (r) => r as object, header = false): string {
  if (format === 'csv') return toCsv(records.map(csvRow) as Array<Record<string, unknown>>, columnNames(columns), header);
  let text = '';
  for (const r of records) text += JSON.stringify(r) + '\n';
  return text;
}

type JudgeRegistration = Record<string, unknown>;

export function objectOf(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A stored JSON list (a ranking label's permutation or scores): as its text for a CSV, else the list; null when none. */
function listOf(stored: string | null, asText: boolean): string | unknown[] | null {
  if (stored === null) return null;
  if (asText) return stored;
  try {
    const v: unknown = JSON.parse(stored);
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * A label in the label import format (so an export re-imports into a new project as it was), then where it came
 * from, flat so the CSV has one column each: `excluded` (its annotator is left out of the report and gold: blocked
 * or archived); a judge's `model`, `template`, `template_version`, `raw_output`, `prompt_tokens`,
 * `completion_tokens` and `latency_ms` (from what the judge worker stored with the label, else its registration;
 * null for humans and imported labels that did not say); a human's `invite_id` and the crowd platform's `study_id`
 * and `session_id` from the join URL (null for judges).
 */
function labelRecords() {
  // Labels imported or written in one batch share their time: its ISO text is made once per run of equal times.
  let at = NaN;
  let iso = '';
  const isoOf = (ms: number) => (ms === at ? iso : ((at = ms), (iso = new Date(ms).toISOString())));
  return (l: ExportLabelRow, registration: JudgeRegistration) => toLabelRecord(l, registration, isoOf);
}

function toLabelRecord(l: ExportLabelRow, registration: JudgeRegistration, isoOf: (ms: number) => string) {
  const judge = l.kind === 'llm';
  const meta = judge ? objectOf(l.meta) : {};
  const usage = meta.usage && typeof meta.usage === 'object' ? (meta.usage as Record<string, unknown>) : {};
  return {
    item: l.item,
    annotator: l.annotator,
    kind: l.kind,
    value: l.value,
    certainty: l.certainty,
    rationale: l.rationale,
    order: l.shown_order,
    sample: l.sample,
    seconds: l.duration_ms === null ? null : l.duration_ms / 1000,
    created_at: isoOf(l.created_at),
    excluded: l.excluded === 1,
    model: judge ? (text(meta.model) ?? text(meta.baseline) ?? text(registration.model)) : null,
    template: judge ? (text(meta.template) ?? text(registration.template)) : null,
    template_version: judge ? text(meta.template_version) : null,
    raw_output: judge ? text(meta.raw) : null,
    prompt_tokens: count(usage.prompt_tokens),
    completion_tokens: count(usage.completion_tokens),
    latency_ms: count(meta.latency_ms),
    invite_id: judge ? null : l.invite_id,
    study_id: judge ? null : l.study_id,
    session_id: judge ? null : l.session_id,
  };
}

/**
 * The adjudication, else the item's gold, else its votes' consensus (the plurality, or the model's label) if enough
 * votes agree with it (`min_labels`, `min_agreement`: the share of votes for the label, under a model too).
 */
export function decide(it: ExportItemRow, votes: Tally<Category>, q: ExportQuery, consensus: Consensus | null): Decided | null {
  if (it.adj_value !== null) return { label: it.adj_value, source: 'adjudicated', posterior: null, agreement: shareOf(votes, it.adj_value), n: votes.total };
  if (it.gold !== null) return { label: it.gold, source: 'gold', posterior: null, agreement: shareOf(votes, it.gold), n: votes.total };
  if (votes.total === 0) return null;
  let label: Category;
  let source: Decided['source'];
  let posterior: number | null;
  if (consensus) {
    // No label when the model saw no vote here: a label committed after it was fitted (the next export has it).
    const c = consensusOf(consensus, it.id);
    if (!c) return null;
    ({ label, posterior } = c);
    source = consensus.method;
  } else {
    if (votes.winner === null) return null;
    label = votes.winner;
    source = votes.top === votes.total && votes.total > 1 ? 'unanimous' : 'majority';
    posterior = votes.top / votes.total;
  }
  if (votes.total < q.min_labels || (votes.counts.get(label) ?? 0) / votes.total < q.min_agreement) return null;
  // No closure or spread here: this runs once per exported item (gold.ts says why).
  return { label, source, posterior, agreement: shareOf(votes, label), n: votes.total };
}

/** The share of `votes` for `label`, null with no vote. */
function shareOf(votes: Tally<Category>, label: Category): number | null {
  return votes.total > 0 ? (votes.counts.get(label) ?? 0) / votes.total : null;
}

/**
 * One vote per annotator: a judge's labels on the item (both orders, every sample) reduce to one verdict. An array,
 * not a generator: this runs once per exported item.
 */
export function annotatorVotes(used: readonly ExportLabel[], pairwise: boolean): Category[] {
  // A handful of labels an item: a linear search over the annotators seen beats a map keyed by joined strings.
  const kinds: string[] = [];
  const names: string[] = [];
  const values: Category[][] = [];
  for (const l of used) {
    let k = 0;
    while (k < names.length && (names[k] !== l.annotator || kinds[k] !== l.kind)) k++;
    if (k === names.length) {
      kinds.push(l.kind);
      names.push(l.annotator);
      values.push([l.value!]);
    } else values[k]!.push(l.value!);
  }
  const votes: Category[] = [];
  for (const v of values) {
    const vote = oneVote(v, pairwise);
    if (vote !== null) votes.push(vote);
  }
  return votes;
}
