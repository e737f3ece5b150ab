import type { Db } from '../db/database';
import { LabelRecord } from '../../shared/schemas';
import { checkValue, checkCertainty, rankingValue } from '../../shared/values';
import { rankingText } from '../../shared/ranking';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { Project } from '../../shared/views';
import type { FilesRepo } from '../files/files.repo';
import type { ItemsRepo, NewItem } from '../items/items.repo';
import { humanSlot, judgeSlot, type LabelsRepo, type NewLabel } from '../labels/labels.repo';
import { detectFormat, Problems, readRecords, type ImportFormat, type RawRecord } from './parse';
import { recordDetails } from './record-details';
import { csvColumns } from './csv';
import { importItemsFile } from './items-import';
import { ItemChecker } from './item-checks';

import type { ReceivedFiles } from './received-files';
import type { ImportBody } from './spool';
import type { CarriedLabels } from './presets/plan';

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
  /** Ranking projects: the item's number of answers. */
  answers: number | null;
}

/** What an item's labels are checked against: a choice item's options, a ranking item's number of answers. */
interface ItemShape {
  options: string[] | null;
  answers: number | null;
}

/** A ranking label's permutation and scores against its item's `n` answers: the first problem, or null. */
function rankingExtrasProblem(rec: LabelRecord, n: number): { field: string; message: string } | null {
  const p = rec.permutation;
  if (p != null && (p.length !== n || new Set(p).size !== n || p.some((i) => i >= n)))
    return { field: 'permutation', message: `must list each of the item's ${n} answers once (the answer shown at each position, from 0), not ${JSON.stringify(p)}` };
  if (rec.scores != null && rec.scores.length !== n) return { field: 'scores', message: `has ${rec.scores.length} scores: give one per answer (${n}), in the item's order` };
  return null;
}

/**
 * The first problem of a well-formed label record against its project (value, certainty, order, sample, a ranking's
 * permutation and scores), or null. `shape`: the item's options or number of answers.
 */
function labelProblem(project: Project, rec: LabelRecord, shape: ItemShape | undefined): { field: string; message: string } | null {
  if (rec.value === null) {
    if (rec.kind !== 'llm') return { field: 'value', message: 'value is required (null marks an unparseable judge output and is allowed only for kind "llm")' };
  } else {
    const err = checkValue(project, rec.value, shape?.options ?? null, shape?.answers ?? null);
    if (err) return { field: 'value', message: err };
  }
  if (rec.certainty !== undefined && rec.certainty !== null) {
    const err = checkCertainty(project, rec.certainty);
    if (err) return { field: 'certainty', message: err };
  }
  if (rec.order && project.type !== 'pairwise') return { field: 'order', message: 'order applies only to pairwise projects' };
  if (project.type === 'ranking') {
    const bad = rankingExtrasProblem(rec, shape?.answers ?? 0);
    if (bad) return bad;
  } else
    for (const field of ['permutation', 'scores'] as const) if (rec[field] != null) return { field, message: `${field} applies only to ranking projects` };
  if (rec.kind === 'human' && rec.sample !== 0) return { field: 'sample', message: 'a human labels an item once: sample must be 0' };
  return null;
}

/** The value column of a checked label: a ranking as its canonical JSON text (item order), else as given. */
function storedValue(rec: LabelRecord, answers: number | null): string | number | null {
  if (rec.value === null || answers === null) return rec.value as string | number | null;
  const r = rankingValue(rec.value, answers);
  if (typeof r === 'string') throw new Error(`storedValue: a checked ranking did not parse: ${r}`);
  return rankingText(r);
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
    private readonly files: FilesRepo,
    private readonly maxRecordBytes: number,
    private readonly clock: () => number,
  ) {}

  /** Imports an items file without a preset in constant memory: items-import.ts. */
  importItemsFile(project: Project, req: ImportRequest, files: ReceivedFiles | null, spoolDir: string): Promise<{ imported: number; files: number }> {
    return importItemsFile({ db: this.db, items: this.items, files: this.files, maxRecordBytes: this.maxRecordBytes, clock: this.clock, spoolDir }, project, req, files);
  }

  /** Reads an items (`kind` items) or labels file into records; numeric and JSON CSV columns depend on the project type. */
  async read(kind: 'items' | 'labels', project: Project, req: ImportRequest): Promise<ReadImport> {
    const problems = new Problems();
    const format = detectFormat(req.body.head, req.contentType, req.format);
    const { numeric, json } = csvColumns(kind, project.type);
    const records = await readRecords(req.body, format, this.maxRecordBytes, problems, numeric, json);
    return { format, records, problems, upsert: req.upsert };
  }

  /**
   * Validates and writes an items file. `files`: the image files that came with it (multipart), null for a plain
   * body. The files the items name are stored in the items' transaction; files no item names are not kept.
   */
  importItems(project: Project, { records, problems, upsert }: ReadImport, files: ReceivedFiles | null = null, carried: CarriedLabels | null = null): { imported: number; files: number; labels: number } {
    const checker = new ItemChecker(project, this.items, upsert, files, problems);
    const linker = checker.linker;
    const out: NewItem[] = [];
    for (const rec of records) {
      const item = checker.check(rec);
      if (item) out.push(item);
    }
    const labels = carried ? this.checkCarried(project, carried, problems) : [];
    problems.throwIfAny('file');
    const now = this.clock();
    this.db
      .transaction(() => {
        // One file at a time from the spool: an import's images are never all in memory.
        for (const f of linker.used.values()) this.files.put(project.id, f.sha256, f.type, files!.readSync(f), now);
        this.items.write(project.id, out, upsert, now);
        // A preset's labels go in the items' transaction (a savepoint): the items and their labels, or nothing.
        if (labels.length) {
          const ids = this.items.idMap(project.id);
          this.writeLabels(project, labels.map((l) => ({ ...l, itemId: ids.get(l.rec.item)! })), upsert);
        }
      })
      .immediate();
    return { imported: out.length, files: linker.used.size, labels: labels.length };
  }

  /** The labels a preset's records carry, checked as an imported label is (value, kind); item ids are set on writing. */
  private checkCarried(project: Project, carried: CarriedLabels, problems: Problems): ValidLabel[] {
    const out: ValidLabel[] = [];
    const seen = new Map<string, number>();
    for (const { line, item, label } of carried.labels) {
      const key = `${label.kind}\u0000${label.annotator}\u0000${item}`;
      const first = seen.get(key);
      if (first !== undefined) {
        problems.add({ line, field: 'annotator', message: `a second label by "${label.annotator}" for item "${item}" (first on line ${first})` });
        continue;
      }
      seen.set(key, line);
      const r = LabelRecord.safeParse({ item, ...label });
      if (!r.success) {
        for (const d of recordDetails(r.error, line, label, Object.keys(LabelRecord.shape))) problems.add(d);
        continue;
      }
      const bad = labelProblem(project, r.data, undefined);
      if (bad) problems.add({ line, ...bad });
      else out.push({ rec: r.data, itemId: -1, slot: r.data.kind === 'human' ? humanSlot : judgeSlot(null, 0), line, answers: null });
    }
    return out;
  }

  importLabels(project: Project, { format, records, problems, upsert }: ReadImport): number {
    const ids = this.items.idMap(project.id);
    const shapes = project.type === 'choice' || project.type === 'ranking' ? this.itemShapes(project) : null;
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
      const shape = shapes?.get(itemId);
      const bad = labelProblem(project, rec, shape);
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
      valid.push({ rec, itemId, slot, line, answers: project.type === 'ranking' ? (shape?.answers ?? 0) : null });
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
        const rows: NewLabel[] = valid.map(({ rec, itemId, slot, answers }) => {
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
            value: storedValue(rec, answers),
            permutation: rec.permutation ? JSON.stringify(rec.permutation) : null,
            scores: rec.scores ? JSON.stringify(rec.scores) : null,
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

  private itemShapes(project: Project): Map<number, ItemShape> {
    const m = new Map<number, ItemShape>();
    for (const { id, content } of this.items.contents(project.id)) m.set(id, { options: content.options ?? project.options, answers: content.answers?.length ?? null });
    return m;
  }
}
