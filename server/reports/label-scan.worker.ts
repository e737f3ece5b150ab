/** The helper thread of ./label-scan.ts: reads its share of a project's labels into shared memory, then says so. */
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Project } from '../../shared/views';
import { scanLabels } from './label-load';
import { helperViews, type HelperData } from './label-scan';

const d = workerData as HelperData;
const state = new Int32Array(d.state);
try {
  const db = new Database(d.dbFile, { readonly: true, fileMustExist: true });
  const v = helperViews(d);
  let n = 0;
  // A span whose count is its length: the scan takes the id range, as the worker's own half does.
  const span = { lo: d.lo, hi: d.hi, count: d.hi - d.lo + 1 };
  for (const [itemId, annotatorId, packed, certainty, sample, durationMs] of scanLabels(db, d.project as Project, d.domain, span)) {
    v.itemId[n] = itemId;
    v.annotatorId[n] = annotatorId;
    v.packed[n] = packed;
    v.certainty[n] = certainty ?? NaN;
    v.sample[n] = sample;
    v.seconds[n] = durationMs === null ? NaN : durationMs / 1000;
    n++;
  }
  db.close();
  state[1] = n;
  Atomics.store(state, 0, 1);
} catch {
  Atomics.store(state, 0, 2);
}
Atomics.notify(state, 0);
