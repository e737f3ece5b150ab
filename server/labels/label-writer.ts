import type { Db } from '../db/database';
import type { LabelsRepo, NewLabel } from './labels.repo';

interface Pending {
  label: NewLabel;
  resolve: (id: number | undefined) => void;
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
  private readonly writeBatch: (labels: NewLabel[]) => Array<{ id: number | undefined } | { error: unknown }>;

  constructor(db: Db, repo: LabelsRepo) {
    // Each label in its own savepoint (a transaction nested in the batch's): one that fails (its project was
    // deleted a moment ago, say) is rolled back alone and rejected alone; the rest of the batch commits.
    const one = db.transaction((l: NewLabel) => repo.insert(l));
    this.writeBatch = db.transaction((labels: NewLabel[]) =>
      labels.map((l) => {
        try {
          return { id: one(l) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }

  /** Resolves with the new label's id once committed, or `undefined` if its clientLabelId or slot was taken. */
  write(label: NewLabel): Promise<number | undefined> {
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
    let results: Array<{ id: number | undefined } | { error: unknown }>;
    try {
      results = this.writeBatch(batch.map((p) => p.label));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i]!;
      if ('error' in r) p.reject(r.error);
      else p.resolve(r.id);
    });
  };
}
