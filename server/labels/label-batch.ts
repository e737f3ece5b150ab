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

/** One label's outcome in a batch: written, or its own error (the rest of the batch still commits). */
export type BatchResult = Written | { error: unknown };

/**
 * The transaction that writes one group commit's labels on `db`, and returns each label's outcome. The same code
 * runs in the label writer's thread (./label-writer.worker.ts) and, for a database without a file, on the main
 * thread (./label-writer.ts).
 */
export function labelBatch(db: Db, repo: LabelsRepo, annotators: AnnotatorsRepo): (labels: LabelWrite[]) => BatchResult[] {
  // Each label in its own savepoint (a transaction nested in the batch's): one that fails (its project was
  // deleted a moment ago, say) is rolled back alone, with the annotator it would have created, and rejected
  // alone; the rest of the batch commits.
  const one = db.transaction(({ newWorker, ...l }: LabelWrite): Written => {
    if (newWorker !== undefined && l.annotatorId < 0) l.annotatorId = annotators.ensure(l.projectId, 'human', newWorker, l.createdAt).id;
    return { id: repo.insert(l), annotatorId: l.annotatorId };
  });
  // IMMEDIATE: the write lock is taken at BEGIN, so the batch waits for another connection's write (busy_timeout)
  // instead of failing when it upgrades from reading to writing.
  return db.transaction((labels: LabelWrite[]) =>
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
  ).immediate;
}

/** A label waiting for its group commit, with its submitter's promise. */
export interface Pending {
  label: LabelWrite;
  resolve: (w: Written) => void;
  reject: (e: unknown) => void;
}

/** Settles each pending label with its outcome in the batch. */
export function settle(batch: Pending[], results: BatchResult[]): void {
  batch.forEach((p, i) => {
    const r = results[i]!;
    if ('error' in r) p.reject(r.error);
    else p.resolve(r);
  });
}
