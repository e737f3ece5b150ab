import type { Db } from '../db/database';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { LabelsRepo } from './labels.repo';
import { labelBatch, settle, type BatchResult, type LabelWrite, type Pending, type Written } from './label-batch';
import { ThreadLabelWriter } from './thread-label-writer';

export type { LabelWrite, Written } from './label-batch';

/**
 * Where live labels are written: in group commits, each submitter's promise settling only after the transaction
 * holding its label has committed (docs/decisions/0001-sqlite-durability.md). With synchronous = FULL, one fsync
 * covers the whole batch. On a database file the commits run in a thread of their own (ThreadLabelWriter, decision
 * 0013), so no annotator's next task waits behind another's fsync.
 */
export interface LabelSink {
  /** Resolves once committed with the new label's id (`undefined` if its clientLabelId or slot was taken) and its annotator. */
  write(label: LabelWrite): Promise<Written>;
  /** Gets ready to write soon (starts the writer's thread if it is not running). */
  warm(): void;
  /** Runs a pragma on the connection the labels are written on (a test's `max_page_count`, a benchmark's what-if). */
  pragma(source: string): Promise<void>;
  /** Settles what is queued, then lets go of the connection. */
  close(): Promise<void>;
}

/** The writer for `db`: in a thread of its own on a database file; on the main thread for `:memory:` (no file to share). */
export function labelWriterFor(db: Db, repo: LabelsRepo, annotators: AnnotatorsRepo): LabelSink {
  return db.memory ? new LabelWriter(db, repo, annotators) : new ThreadLabelWriter(db.name);
}

/**
 * Group commit on the main thread's own connection: labels submitted in the same turn of the event loop are written
 * in one transaction, flushed on `setImmediate`. Used for `:memory:` databases and by tests that drive a writer
 * over a connection of their own.
 */
export class LabelWriter implements LabelSink {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly writeBatch: (labels: LabelWrite[]) => BatchResult[];

  constructor(private readonly db: Db, repo: LabelsRepo, annotators: AnnotatorsRepo) {
    this.writeBatch = labelBatch(db, repo, annotators);
  }

  write(label: LabelWrite): Promise<Written> {
    return new Promise((resolve, reject) => {
      this.queue.push({ label, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  warm(): void {}

  async pragma(source: string): Promise<void> {
    this.db.pragma(source);
  }

  async close(): Promise<void> {
    this.flush();
  }

  /** Writes whatever is queued now. */
  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let results: BatchResult[];
    try {
      results = this.writeBatch(batch.map((p) => p.label));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    settle(batch, results);
  };
}
