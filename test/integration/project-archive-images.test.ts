/**
 * A project archive carries the image files stored with the items (issue 14 part 2): a rating project whose items
 * name PNG and JPEG files, archived on one real server and imported on another, serves the same bytes under the
 * same hashes, and its items name them as before.
 */
import { createHash } from 'node:crypto';
import { JPEG, PNG } from '../unit/imports/images';
import { jsonl, makeProject, startServer, type TestServer } from '../helpers/server';

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startServer();
  b = await startServer();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const itemsOf = async (s: TestServer, pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=100`)).body.items as Array<{ external_id: string; content: unknown }>;

test('images stored with the items move with the project', async () => {
  const pid = await makeProject(a, { type: 'rating' }, []);
  const form = new FormData();
  const records = [
    { id: 'i1', question: 'What is shown?', answer: 'A red dot.', images: ['img/dot.png', { src: 'img/dot.jpg', alt: 'a red dot' }] },
    { id: 'i2', question: 'And here?', answer: 'A dot.', images: ['img/dot.png'] },
  ];
  form.append('items', new Blob([jsonl(records)], { type: 'application/x-ndjson' }), 'items.jsonl');
  form.append('img/dot.png', new Blob([PNG]), 'img/dot.png');
  form.append('img/dot.jpg', new Blob([JPEG]), 'img/dot.jpg');
  const imported = await fetch(`${a.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` }, body: form });
  expect(await imported.json()).toEqual({ imported: 2, files: 2 });
  expect((await a.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'i1', annotator: 'w1', value: 4 }]), { type: 'application/x-ndjson' })).status).toBe(200);

  const archive = Buffer.from(await (await fetch(`${a.url}/api/projects/${pid}/archive`, { headers: { authorization: `Bearer ${a.token}` } })).arrayBuffer());
  const moved = await b.api('POST', '/api/projects/archive', archive, { type: 'application/gzip' });
  expect(moved.status).toBe(201);
  expect(moved.body.counts).toEqual({ files: 2, items: 2, annotators: 1, labels: 1, adjudications: 0 });
  const to = moved.body.project_id as number;
  expect(await itemsOf(b, to)).toEqual(await itemsOf(a, pid));
  for (const [bytes, type] of [[PNG, 'image/png'], [JPEG, 'image/jpeg']] as const) {
    const res = await fetch(`${b.url}/api/projects/${to}/files/${sha(bytes)}`, { headers: { authorization: `Bearer ${b.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  }
});
