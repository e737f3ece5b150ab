/**
 * The thread of ./pool-read.ts: reads a project's items and labels in one snapshot (one read transaction) into
 * typed arrays, a chunk at a time, and sends each (transferred, not copied) once the pool has room for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ItemsRepo } from '../items/items.repo';
import { LabelsRepo } from '../labels/labels.repo';
import { CHUNKS_AHEAD, type LabelChunk, type PoolReadData, type ItemChunk } from './pool-read';

const d = workerData as PoolReadData;
const port = parentPort!;
let credits = CHUNKS_AHEAD;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});
async function send(m: ItemChunk | LabelChunk, buffers: ArrayBuffer[]): Promise<void> {
  while (credits === 0) await new Promise<void>((r) => (wake = r));
  credits--;
  port.postMessage(m, buffers);
}

async function readItems(items: ItemsRepo): Promise<void> {
  const answers = d.ranking ? items.answerCounts(d.projectId, 0) : null;
  let c = newItemChunk();
  for (const r of items.forPool(d.projectId, 0)) {
    const i = c.n++;
    c.ids[i] = r.id;
    c.answers[i] = answers?.get(r.id) ?? 0;
    if (r.gold !== null) c.gold.push(i, r.gold);
    if (c.n === d.chunk) {
      await send(c, [c.ids.buffer as ArrayBuffer, c.answers.buffer as ArrayBuffer]);
      c = newItemChunk();
    }
  }
  if (c.n > 0) await send(c, [c.ids.buffer as ArrayBuffer, c.answers.buffer as ArrayBuffer]);
}
const newItemChunk = (): ItemChunk => ({ t: 'items', n: 0, ids: new Float64Array(d.chunk), answers: new Int32Array(d.chunk), gold: [] });

async function readLabels(labels: LabelsRepo): Promise<void> {
  const slotCode = new Map<string, number>();
  const valueCode = new Map<unknown, number>();
  let c = newLabelChunk();
  const flush = () => send(c, [c.annotator.buffer, c.item.buffer, c.slot.buffer, c.human.buffer, c.value.buffer, c.certainty.buffer] as ArrayBuffer[]);
  for (const r of labels.done(d.projectId)) {
    const i = c.n++;
    let s = slotCode.get(r.slot);
    if (s === undefined) slotCode.set(r.slot, (s = slotCode.size)), c.newSlots.push(r.slot);
    let v = valueCode.get(r.value);
    if (v === undefined) valueCode.set(r.value, (v = valueCode.size)), c.newValues.push(r.value);
    c.annotator[i] = r.annotator_id;
    c.item[i] = r.item_id;
    c.slot[i] = s;
    c.human[i] = r.kind === 'human' ? 1 : 0;
    c.value[i] = v;
    c.certainty[i] = r.certainty ?? NaN;
    if (c.n === d.chunk) {
      await flush();
      c = newLabelChunk();
    }
  }
  if (c.n > 0) await flush();
}
const newLabelChunk = (): LabelChunk => ({
  t: 'labels',
  n: 0,
  annotator: new Float64Array(d.chunk),
  item: new Float64Array(d.chunk),
  slot: new Int32Array(d.chunk),
  human: new Uint8Array(d.chunk),
  value: new Int32Array(d.chunk),
  certainty: new Float64Array(d.chunk),
  newSlots: [],
  newValues: [],
});

async function main(): Promise<void> {
  const db = new Database(d.dbFile, { readonly: true, fileMustExist: true });
  try {
    // One snapshot: labels committed after the items were read are not read (the pool adds those it committed).
    db.exec('BEGIN');
    await readItems(new ItemsRepo(db));
    await readLabels(new LabelsRepo(db));
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  port.postMessage({ t: 'end' });
}

main().catch((e: unknown) => port.postMessage({ t: 'error', message: e instanceof Error ? e.message : String(e) }));
