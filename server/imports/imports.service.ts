import type { Db } from '../db/database';
import { ITEM_RECORD, LabelRecord, type ChoiceItemRecord, type ItemRecord, type PairwiseItemRecord, type RatingItemRecord } from '../../shared/schemas';
import { checkValue, checkCertainty } from '../../shared/values';
import type { z } from 'zod';
import type { ErrorDetail } from '../../shared/errors';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { ItemContent, Project } from '../../shared/views';
import type { ItemsRepo, NewItem } from '../items/items.repo';
import { humanSlot, judgeSlot, type LabelsRepo, type NewLabel } from '../labels/labels.repo';
import { detectFormat, Problems, readRecords, type ImportFormat, type RawRecord } from './parse';
import type { ImportBody } from './spool';

/**
 * The problems of one record, each with its line and field. zod reports an unknown field without a path and a
 * missing union-typed field (`id`, `item`, `value`) as "Invalid input"; a person fixing the file needs the
 * field's name and the plain reason.
 */
export function recordDetails(error: z.ZodError, line: number, value: unknown, fields: readonly string[]): ErrorDetail[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [{ line, message: `each record must be a JSON object with fields ${fields.join(', ')}` }];
  const record = value as Record<string, unknown>;
  const out: ErrorDetail[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ line, field: key, message: `unknown field "${key}" (a record here has ${fields.join(', ')})` });
    } else if (issue.path.length === 1 && record[String(issue.path[0])] === undefined) {
      const field = String(issue.path[0]);
      out.push({ line, field, message: `${field} is required` });
    } else {
      const field = issue.path.map(String).join('.');
      out.push(field ? { line, field, message: issue.message } : { line, message: issue.message });
    }
  }
  return out;
}

export interface ImportRequest {
  /** The file, spooled to disk as it arrived (spool.ts). */
  body: ImportBody;
  contentType: string | undefined;
  format?: string;
  upsert: boolean;
}

/** A file read into records, with the problems found while reading it; nothing in the database yet. */
export interface ReadImport {
  format: ImportFormat;
  records: RawRecord[];
  problems: Problems;
  upsert: boolean;
}

/** A label record that passed every check, with the item and slot it goes to and its line in the file. */
interface ValidLabel {
  rec: LabelRecord;
  itemId: number;
  slot: string;
  line: number;
}

/**
 * The first problem of a well-formed label record against its project (value, certainty, order, sample), or null.
 * `options` are the item's choice options.
 */
function labelProblem(project: Project, rec: LabelRecord, options: string[] | null): { field: string; message: string } | null {
  if (rec.value === null) {
    if (rec.kind !== 'llm') return { field: 'value', message: 'value is required (null marks an unparseable judge output and is allowed only for kind "llm")' };
  } else {
    const err = checkValue(project, rec.value, options);
    if (err) return { field: 'value', message: err };
  }
  if (rec.certainty !== undefined && rec.certainty !== null) {
    const err = checkCertainty(project, rec.certainty);
    if (err) return { field: 'certainty', message: err };
  }
  if (rec.order && project.type !== 'pairwise') return { field: 'order', message: 'order applies only to pairwise projects' };
  if (rec.kind === 'human' && rec.sample !== 0) return { field: 'sample', message: 'a human labels an item once: sample must be 0' };
  return null;
}

/**
 * Imports are all or nothing: every record is validated first and every problem is reported with its line;
 * only a file without problems is written, in one transaction. Reading the file (`read`) streams it from its
 * spool and touches no table; validating and writing (`importItems`, `importLabels`) is synchronous, so the
 * checks against the database and the write see the same state.
 */
export class ImportsService {
  constructor(
    private readonly db: Db,
    private readonly items: ItemsRepo,
    private readonly labels: LabelsRepo,
    private readonly annotators: AnnotatorsRepo,
    private readonly maxRecordBytes: number,
    private readonly clock: () => number,
  ) {}

  /** Reads an items (`kind` items) or labels file into records; numeric CSV columns depend on the project type. */
  async read(kind: 'items' | 'labels', project: Project, req: ImportRequest): Promise<ReadImport> {
    const problems = new Problems();
    const format = detectFormat(req.body.head, req.contentType, req.format);
    const numeric =
      kind === 'items'
        ? new Set(project.type === 'rating' ? ['gold'] : [])
        : new Set(['certainty', 'sample', 'seconds', ...(project.type === 'rating' ? ['value'] : [])]);
    const records = await readRecords(req.body, format, this.maxRecordBytes, problems, numeric);
    return { format, records, problems, upsert: req.upsert };
  }

  importItems(project: Project, { records, problems, upsert }: ReadImport): number {
    const schema = ITEM_RECORD[project.type];
    const existing = this.items.idMap(project.id);
    const seen = new Map<string, number>();
    const out: NewItem[] = [];
    for (const { line, value, failed } of records) {
      if (failed) continue;
      const r = schema.safeParse(value);
      if (!r.success) {
        for (const d of recordDetails(r.error, line, value, Object.keys(schema.shape))) problems.add(d);
        continue;
      }
      const rec = r.data as ItemRecord;
      const first = seen.get(rec.id);
      if (first !== undefined) {
        problems.add({ line, field: 'id', message: `duplicate id "${rec.id}" (first on line ${first})` });
        continue;
      }
      seen.set(rec.id, line);
      if (!upsert && existing.has(rec.id)) {
        problems.add({ line, field: 'id', message: `id "${rec.id}" is already in the project (import with upsert to replace it)` });
        continue;
      }
      const item = this.toItem(project, rec, line, problems);
      if (item) out.push(item);
    }
    problems.throwIfAny('file');
    const now = this.clock();
    this.db.transaction(() => this.items.write(project.id, out, upsert, now)).immediate();
    return out.length;
  }

  private toItem(project: Project, rec: ItemRecord, line: number, problems: Problems): NewItem | null {
    const content: ItemContent = { question: rec.question };
    if (rec.reference) content.reference = rec.reference;
    if (rec.persona) content.persona = rec.persona;
    let options: string[] | null = null;
    if (project.type === 'pairwise') {
      const p = rec as PairwiseItemRecord;
      content.answer_a = p.answer_a;
      content.answer_b = p.answer_b;
    } else if (project.type === 'rating') {
      const p = rec as RatingItemRecord;
      content.answer = p.answer;
      if (p.rubric) content.rubric = p.rubric;
    } else {
      const p = rec as ChoiceItemRecord;
      options = p.options ?? project.options;
      if (!options) {
        problems.add({ line, field: 'options', message: 'options are required: give them on the item or set them once on the project' });
        return null;
      }
      if (p.options) content.options = p.options;
    }
    const gold = rec.gold ?? null;
    if (gold !== null) {
      const err = checkValue(project, gold, options);
      if (err) {
        problems.add({ line, field: 'gold', message: err });
        return null;
      }
    }
    return { externalId: rec.id, content, gold, meta: rec.meta ?? null };
  }

  importLabels(project: Project, { format, records, problems, upsert }: ReadImport): number {
    const ids = this.items.idMap(project.id);
    const itemOptions = project.type === 'choice' ? this.choiceOptions(project) : null;
    const seen = new Map<string, number>();
    const valid: ValidLabel[] = [];
    for (const { line, value, failed } of records) {
      if (failed) continue;
      // An empty value cell in a CSV is a null value (a judge output that could not be parsed), as in JSONL.
      if (format === 'csv' && (value as Record<string, unknown>).value === undefined) (value as Record<string, unknown>).value = null;
      const r = LabelRecord.safeParse(value);
      if (!r.success) {
        for (const d of recordDetails(r.error, line, value, Object.keys(LabelRecord.shape))) problems.add(d);
        continue;
      }
      const rec = r.data;
      const itemId = ids.get(rec.item);
      if (itemId === undefined) {
        problems.add({ line, field: 'item', message: `no item with id "${rec.item}" in this project` });
        continue;
      }
      const bad = labelProblem(project, rec, itemOptions?.get(itemId) ?? null);
      if (bad) {
        problems.add({ line, ...bad });
        continue;
      }
      const slot = rec.kind === 'human' ? humanSlot : judgeSlot(rec.order ?? null, rec.sample);
      const key = `${rec.kind}\u0000${rec.annotator}\u0000${itemId}\u0000${slot}`;
      const first = seen.get(key);
      if (first !== undefined) {
        problems.add({ line, field: 'item', message: `a second label by "${rec.annotator}" for item "${rec.item}"${rec.kind === 'llm' ? ` (order ${rec.order ?? 'unset'}, sample ${rec.sample})` : ''} (first on line ${first})` });
        continue;
      }
      seen.set(key, line);
      valid.push({ rec, itemId, slot, line });
    }
    if (!upsert) this.rejectExisting(project, valid, problems);
    problems.throwIfAny('file');
    this.writeLabels(project, valid, upsert);
    return valid.length;
  }

  /** Writes valid labels in one transaction, creating each annotator named for the first time. */
  private writeLabels(project: Project, valid: ValidLabel[], upsert: boolean): void {
    const now = this.clock();
    this.db
      .transaction(() => {
        const annotatorIds = new Map<string, number>();
        const rows: NewLabel[] = valid.map(({ rec, itemId, slot }) => {
          const akey = `${rec.kind}\u0000${rec.annotator}`;
          let annotatorId = annotatorIds.get(akey);
          if (annotatorId === undefined) {
            annotatorId = this.annotators.ensure(project.id, rec.kind, rec.annotator, now).id;
            annotatorIds.set(akey, annotatorId);
          }
          return {
            projectId: project.id,
            itemId,
            annotatorId,
            value: rec.value,
            certainty: rec.certainty ?? null,
            rationale: rec.rationale ?? null,
            order: rec.order ?? null,
            sample: rec.sample,
            slot,
            durationMs: rec.seconds == null ? null : Math.round(rec.seconds * 1000),
            createdAt: rec.created_at ? Date.parse(rec.created_at) : now,
            clientLabelId: null,
            source: 'import',
            meta: null,
          };
        });
        this.labels.writeImported(rows, upsert);
      })
      .immediate();
  }

  /** Labels already in the project for the same annotator, item and slot are errors unless upserting. */
  private rejectExisting(project: Project, valid: ValidLabel[], problems: Problems): void {
    const annotators = new Map(this.annotators.list(project.id).map((a) => [`${a.kind}\u0000${a.key}`, a.id]));
    const taken = new Set<string>();
    for (const d of this.labels.done(project.id)) taken.add(`${d.annotator_id}\u0000${d.item_id}\u0000${d.slot}`);
    for (const { rec, itemId, slot, line } of valid) {
      const annotatorId = annotators.get(`${rec.kind}\u0000${rec.annotator}`);
      if (annotatorId !== undefined && taken.has(`${annotatorId}\u0000${itemId}\u0000${slot}`))
        problems.add({ line, field: 'item', message: `"${rec.annotator}" already has a label for item "${rec.item}" in this project (import with upsert to replace it)` });
    }
  }

  private choiceOptions(project: Project): Map<number, string[] | null> {
    const m = new Map<number, string[] | null>();
    for (const { id, content } of this.items.contents(project.id)) m.set(id, content.options ?? project.options);
    return m;
  }
}
