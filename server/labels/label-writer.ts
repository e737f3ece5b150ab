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
  private readonly writeBatch: (labels: NewLabel[]) => Array<number | undefined>;

  constructor(db: Db, repo: LabelsRepo) {
    this.writeBatch = db.transaction((labels: NewLabel[]) => labels.map((l) => repo.insert(l)));
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
    let ids: Array<number | undefined>;
    try {
      ids = this.writeBatch(batch.map((p) => p.label));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => p.resolve(ids[i]));
  };
}
