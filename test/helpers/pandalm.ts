/** PandaLM's human-annotated test set (test/fixtures/pandalm, README and licence there), imported by its preset. */
import fs from 'node:fs';
import path from 'node:path';
import type { TestServer } from './server';

const PANDALM = fs.readFileSync(path.resolve(__dirname, '../fixtures/pandalm/testset-v1.json'));

/** A pairwise project holding PandaLM's 999 items and their 2,997 labels of annotator1..3; its id. */
export async function pandalmProject(s: TestServer, name = 'PandaLM'): Promise<number> {
  const pid = (await s.api('POST', '/api/projects', { name, type: 'pairwise' })).body.id as number;
  expect((await s.api('POST', `/api/projects/${pid}/items?preset=pandalm`, PANDALM, { type: 'application/json' })).body).toEqual({ imported: 999, labels: 2997 });
  return pid;
}
