import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { typescriptExecArgv } from '../typescript-exec-argv';
import { settle, type LabelWrite, type Pending, type Written } from './label-batch';
import type { LabelSink } from './label-writer';
import type { ErrorShape, WriterReply, WriterRequest } from './label-writer.worker';

const WORKER = path.join(__dirname, 'label-writer.worker.ts');

const toError = (s: ErrorShape): Error => Object.assign(new Error(s.message), { name: s.name, ...(s.code ? { code: s.code } : {}) });

/**
 * Group commit in a thread of its own (decision 0013). The first label of a quiet moment is sent on the next turn of
 * the event loop; while a batch is being committed (and fsynced) the labels that arrive queue here, and go as the
 * next batch the moment the reply comes. So the main thread never waits on the disk, a busy server commits larger
 * groups, and every submitter still hears back only after its label's transaction has committed.
 */
export class ThreadLabelWriter implements LabelSink {
  private worker: Worker | null = null;
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = false;
  private closed = false;
  /** What to do with each reply, in the order the requests went (the thread answers in order). */
  private readonly replies: Array<(r: WriterReply | Error) => void> = [];
  private idle: Array<() => void> = [];

  constructor(private readonly dbFile: string) {}

  write(label: LabelWrite): Promise<Written> {
    if (this.closed) return Promise.reject(new Error('The label writer is closed: the server is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ label, resolve, reject });
      if (!this.inFlight && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.send);
      }
    });
  }

  warm(): void {
    if (!this.worker && !this.closed) this.start().unref();
  }

  pragma(source: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.request({ type: 'pragma', source }, (r) => (r instanceof Error ? reject(r) : r.type === 'failed' ? reject(toError(r.error)) : resolve())),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    this.request({ type: 'close' }, () => undefined);
    await exited;
  }

  private readonly send = (): void => {
    this.scheduled = false;
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = true;
    this.request({ type: 'batch', labels: batch.map((p) => p.label) }, (r) => {
      this.inFlight = false;
      if (r instanceof Error) for (const p of batch) p.reject(r);
      else if (r.type === 'batch') settle(batch, r.results.map((x) => ('error' in x ? { error: toError(x.error) } : x)));
      else {
        const e = r.type === 'failed' ? toError(r.error) : new Error('The label writer answered out of turn');
        for (const p of batch) p.reject(e);
      }
      // The labels that queued while this batch committed are the next group.
      if (this.queue.length > 0) this.send();
      else for (const f of this.idle.splice(0)) f();
    });
  };

  private request(m: WriterRequest, onReply: (r: WriterReply | Error) => void): void {
    const w = this.worker ?? this.start();
    this.replies.push(onReply);
    w.ref();
    w.postMessage(m);
  }

  private start(): Worker {
    const w = new Worker(WORKER, { workerData: { dbFile: this.dbFile }, execArgv: typescriptExecArgv() });
    this.worker = w;
    w.on('message', (r: WriterReply) => {
      const next = this.replies.shift();
      if (this.replies.length === 0) w.unref();
      next?.(r);
    });
    // The thread died (it should not): whether its last batch committed is unknown, so its submitters are told it
    // failed; a retry with the same clientLabelId is answered from the record. The next label starts a new thread.
    const lost = (e: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const f of this.replies.splice(0)) f(e);
    };
    w.on('error', (e) => lost(new Error(`The label writer stopped: ${e.message}`)));
    w.on('exit', (code) => lost(new Error(`The label writer exited (${code})`)));
    return w;
  }
}
