import type { Db } from '../db/database';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { LabelsRepo, NewLabel } from './labels.repo';

/**
 * A label to write. A crowd worker's first label carries `newWorker` (their worker id) and a provisional (negative)
 * `annotatorId`: the annotator row is created (or found) in the label's own transaction, so a worker id becomes an
 * annotator exactly when a label of theirs is stored, and never without one.
 */
export type LabelWrite = NewLabel & { newWorker?: string };

/** The stored label's id (`undefined` if its clientLabelId or slot was taken) and the annotator it belongs to. */
export interface Written {
  id: number | undefined;
  annotatorId: number;
}

interface Pending {
  label: LabelWrite;
  resolve: (w: Written) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: labels submitted in the same turn of the event loop are written in one transaction, and each
 * submitter's promise settles only after that transaction has committed. With synchronous = FULL, one fsync
 * covers the whole batch, so durability does not cost one disk flush per label.
 */
export class LabelWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly writeBatch: (labels: LabelWrite[]) => Array<Written | { error: unknown }>;

  constructor(db: Db, repo: LabelsRepo, annotators: AnnotatorsRepo) {
    // Each label in its own savepoint (a transaction nested in the batch's): one that fails (its project was
    // deleted a moment ago, say) is rolled back alone, with the annotator it would have created, and rejected
    // alone; the rest of the batch commits.
    const one = db.transaction(({ newWorker, ...l }: LabelWrite): Written => {
      if (newWorker !== undefined && l.annotatorId < 0) l.annotatorId = annotators.ensure(l.projectId, 'human', newWorker, l.createdAt).id;
      return { id: repo.insert(l), annotatorId: l.annotatorId };
    });
    this.writeBatch = db.transaction((labels: LabelWrite[]) =>
      labels.map((l) => {
        try {
          return one(l);
        } catch (error) {
          // Some errors (a full disk, say) make SQLite roll back the whole batch, not just this savepoint: then
          // nothing in the batch is stored, and going on would commit the rest one by one outside it.
          if (!db.inTransaction) throw error;
          return { error };
        }
      }),
    );
  }

  /** Resolves once committed with the new label's id (`undefined` if its clientLabelId or slot was taken) and its annotator. */
  write(label: LabelWrite): Promise<Written> {
    return new Promise((resolve, reject) => {
      this.queue.push({ label, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Writes whatever is queued now (also used on shutdown). */
  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let results: Array<Written | { error: unknown }>;
    try {
      results = this.writeBatch(batch.map((p) => p.label));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i]!;
      if ('error' in r) p.reject(r.error);
      else p.resolve(r);
    });
  };
}
