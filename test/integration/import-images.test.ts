/**
 * Items with images, imported over real HTTP as a researcher would: the image files in one multipart upload (as
 * parts, or in a zip), each sniffed, hashed and stored with the items in one transaction, and read back through
 * `GET /api/projects/:id/files/:sha256`. Every refusal names the line, the field and the file, and stores nothing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { LIMITS } from '../../shared/constants';
import { invite, jsonl, makeProject, startServer, type TestServer } from '../helpers/server';
import { runConcord } from '../helpers/cli';
import { GIF, HTML, JPEG, PNG, WEBP } from '../unit/imports/images';
import { zip } from '../unit/imports/zip-writer';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
type Detail = { line?: number; field?: string; message: string };

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

/** A multipart import: the items file as the part `items`, then each file under its path (as the dashboard sends them). */
async function upload(pid: number, items: string, files: Array<[string, Buffer]>, opts: { field?: string; query?: string; type?: string } = {}) {
  const form = new FormData();
  form.append('items', new Blob([items], { type: opts.type ?? 'application/x-ndjson' }), 'items.jsonl');
  for (const [name, data] of files) form.append(opts.field ?? name, new Blob([data]), name);
  const res = await fetch(`${s.url}/api/projects/${pid}/items${opts.query ?? ''}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

const newProject = (type = 'rating') => makeProject(s, { type }, []);
const items = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=1000`)).body.items as any[];
const fileCount = (pid: number) => (s.db.prepare('SELECT count(*) FROM files WHERE project_id = ?').pluck().get(pid) as number) ?? 0;
const getFile = (pid: number, hash: string, token: string | null = s.token) =>
  fetch(`${s.url}/api/projects/${pid}/files/${hash}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

function refusal(r: { status: number; body: any }): Detail[] {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalid-input');
  return r.body.error.details as Detail[];
}

describe('images sent with the items', () => {
  test('multipart: PNG, JPEG, WebP and GIF files are stored once each and items point at them by hash', async () => {
    const pid = await newProject();
    const recs = [
      { id: 'i1', question: 'What is shown?', answer: 'A red dot.', images: ['img/dot.png', { src: 'img/dot.jpg', alt: 'a red dot' }] },
      { id: 'i2', question: 'And here?', answer: 'A dot.', images: ['img/dot.webp', 'anim/dot.gif', 'img/dot.png'] },
    ];
    const r = await upload(pid, jsonl(recs), [
      ['img/dot.png', PNG],
      ['img/dot.jpg', JPEG],
      ['img/dot.webp', WEBP],
      ['anim/dot.gif', GIF],
      ['unused/extra.png', PNG],
    ]);
    expect(r).toEqual({ status: 200, body: { imported: 2, files: 4 } });
    const [i1, i2] = await items(pid);
    expect(i1.content.images).toEqual([
      { src: `file:${sha(PNG)}`, name: 'img/dot.png' },
      { src: `file:${sha(JPEG)}`, name: 'img/dot.jpg', alt: 'a red dot' },
    ]);
    expect(i2.content.images.map((i: { src: string }) => i.src)).toEqual([`file:${sha(WEBP)}`, `file:${sha(GIF)}`, `file:${sha(PNG)}`]);
    // Four distinct files named (the PNG twice, and an unnamed copy of it): four rows.
    expect(fileCount(pid)).toBe(4);
    for (const [bytes, type] of [
      [PNG, 'image/png'],
      [JPEG, 'image/jpeg'],
      [WEBP, 'image/webp'],
      [GIF, 'image/gif'],
    ] as const) {
      const res = await getFile(pid, sha(bytes));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toBe('inline');
      expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  test('a zip of the files: entries are named by their path inside it, images on conversation turns and in content parts too', async () => {
    const pid = await newProject('pairwise');
    const rec = {
      id: 'c1',
      conversation_a: [
        { role: 'user', content: [{ type: 'text', text: 'What colour is this?' }, { type: 'image_url', image_url: { url: 'pics/dot.png' } }] },
        { role: 'assistant', content: 'Red.' },
      ],
      conversation_b: [
        { role: 'user', content: [{ type: 'text', text: 'What colour is this?' }, { type: 'image_url', image_url: { url: 'pics/dot.png' } }] },
        { role: 'assistant', content: 'Blue.', images: [{ src: 'pics/sub/dot.gif', alt: 'what b drew' }] },
      ],
    };
    const archive = zip([
      { name: 'pics/', data: Buffer.alloc(0) },
      { name: 'pics/dot.png', data: PNG, deflate: true },
      { name: 'pics/sub/dot.gif', data: GIF },
      { name: '__MACOSX/pics/._dot.png', data: HTML },
    ]);
    const r = await upload(pid, jsonl([rec]), [['images.zip', archive]], { field: 'files' });
    expect(r).toEqual({ status: 200, body: { imported: 1, files: 2 } });
    const [c1] = await items(pid);
    expect(c1.content.conversation_a[0]).toEqual({ role: 'user', content: 'What colour is this?', images: [{ src: `file:${sha(PNG)}`, name: 'pics/dot.png' }] });
    expect(c1.content.conversation_b[1].images).toEqual([{ src: `file:${sha(GIF)}`, name: 'pics/sub/dot.gif', alt: 'what b drew' }]);
    expect(fileCount(pid)).toBe(2);
  });

  test('file names outside ASCII and with spaces or quotes match the items', async () => {
    const pid = await newProject();
    const names = ['bilder/grüße.png', '写真/猫 1.gif', 'q"uote.webp'];
    const r = await upload(pid, jsonl([{ id: 'i1', question: 'q', answer: 'a', images: names }]), [
      [names[0]!, PNG],
      [names[1]!, GIF],
      [names[2]!, WEBP],
    ], { field: 'files' });
    expect(r).toEqual({ status: 200, body: { imported: 1, files: 3 } });
    expect((await items(pid))[0].content.images.map((i: { name: string }) => i.name)).toEqual(names);
  });

  test('curl-style parts named by their path (field name) work as well as parts named files', async () => {
    const pid = await newProject();
    const rec = { id: 'i1', question: 'q', answer: 'a', images: ['a/b.png', 'c.gif'] };
    const form = new FormData();
    form.append('items', new Blob([jsonl([rec])]), 'items.jsonl');
    form.append('a/b.png', new Blob([PNG]), 'b.png');
    form.append('files', new Blob([GIF]), 'c.gif');
    const res = await fetch(`${s.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: form });
    expect(res.status).toBe(200);
    expect(fileCount(pid)).toBe(2);
  });

  test('the items part may come after the files, and the whole form may be gzip-encoded', async () => {
    const pid = await newProject();
    const form = new FormData();
    form.append('files', new Blob([GIF]), 'g/dot.gif');
    form.append('items', new Blob([jsonl([{ id: 'i1', question: 'q', answer: 'a', images: ['g/dot.gif'] }])]), 'items.jsonl');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const raw = Buffer.from(await req.arrayBuffer());
    const res = await fetch(`${s.url}/api/projects/${pid}/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': req.headers.get('content-type')!, 'content-encoding': 'gzip' },
      body: zlib.gzipSync(raw),
    });
    expect(res.status).toBe(200);
    expect((await items(pid))[0].content.images).toEqual([{ src: `file:${sha(GIF)}`, name: 'g/dot.gif' }]);
  });

  test('at most 16 images an item, its own and its messages\' together', async () => {
    const pid = await newProject();
    const urls = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `https://example.org/${tag}${i}.png`);
    const rec = { id: 'many', images: urls(10, 'item'), conversation: [{ role: 'user', content: 'Look.', images: urls(7, 'turn') }, { role: 'assistant', content: 'Seen.' }] };
    expect(refusal(await s.api('POST', `/api/projects/${pid}/items`, jsonl([rec]), { type: 'application/x-ndjson' }))).toEqual([
      { line: 1, field: 'images', message: "17 images: an item may have at most 16 (its own and its turns' together)" },
    ]);
  });

  test('remote URLs are kept as given and need no file; a plain body naming a relative path is refused naming it', async () => {
    const pid = await newProject();
    const remote = { id: 'r1', question: 'q', answer: 'a', images: ['https://example.org/cat.png', { src: 'http://example.org/dog.jpg', alt: 'a dog' }] };
    const ok = await s.api('POST', `/api/projects/${pid}/items`, jsonl([remote]), { type: 'application/x-ndjson' });
    expect(ok.status).toBe(200);
    expect((await items(pid))[0].content.images).toEqual([{ src: 'https://example.org/cat.png' }, { src: 'http://example.org/dog.jpg', alt: 'a dog' }]);
    const local = { id: 'r2', question: 'q', answer: 'a', images: ['img/cat.png'] };
    const r = await s.api('POST', `/api/projects/${pid}/items`, jsonl([local]), { type: 'application/x-ndjson' });
    const [d] = refusal(r);
    expect(d).toMatchObject({ line: 1, field: 'images.0' });
    expect(d!.message).toContain('image "img/cat.png" was not sent with the import');
    expect(d!.message).toMatch(/multipart|zip/);
  });
});

describe('refused imports name the file and store nothing', () => {
  const rec = (id: string, images: unknown[]) => ({ id, question: 'q', answer: 'a', images });

  test('a file the items name that was not received: line, field and path', async () => {
    const pid = await newProject();
    const r = await upload(pid, jsonl([rec('i1', ['a.png']), rec('i2', ['b.png'])]), [['a.png', PNG]]);
    const details = refusal(r);
    expect(details).toEqual([{ line: 2, field: 'images.0', message: expect.stringContaining('image "b.png" is not among the 1 file sent with the import') }]);
    expect(r.body.error.message).toMatch(/^Nothing was imported: 1 problem in the file\. First: line 2, images\.0: image "b\.png"/);
    expect((await items(pid)).length).toBe(0);
    expect(fileCount(pid)).toBe(0);
  });

  test('a file that is not an image is refused by its bytes, whatever its name says', async () => {
    const pid = await newProject();
    const r = await upload(pid, jsonl([rec('i1', ['cat.png'])]), [['cat.png', HTML]]);
    const [d] = refusal(r);
    expect(d).toMatchObject({ line: 1, field: 'images.0' });
    expect(d!.message).toContain('image "cat.png" is not a PNG, JPEG, WebP or GIF image');
    expect(fileCount(pid)).toBe(0);
  });

  test('a file over the size limit is refused (multipart part and zip entry)', async () => {
    const pid = await newProject();
    const big = Buffer.concat([PNG, Buffer.alloc(LIMITS.imageBytes + 1 - PNG.length)]);
    const r = await upload(pid, jsonl([rec('i1', ['big.png'])]), [['big.png', big]]);
    expect(refusal(r)[0]!.message).toMatch(/image "big\.png" is 10(\.0)? MiB, over the 10 MiB limit for one image/);
    // In a zip, a declared size over the limit is refused before anything is inflated.
    const archive = zip([{ name: 'big.png', data: big, deflate: true }]);
    const z = await upload(pid, jsonl([rec('i1', ['big.png'])]), [['images.zip', archive]], { field: 'files' });
    expect(refusal(z)[0]!.message).toContain('over the 10 MiB limit for one image');
    expect(fileCount(pid)).toBe(0);
  });

  test('an item whose image files together are over what one task may carry is refused; the same files shared by two items are not', async () => {
    const pid = await newProject();
    // Three distinct files of 8 MiB each: every one is within the limit for an image, together they are 24 MiB.
    const file = (n: number) => Buffer.concat([PNG, Buffer.alloc(8 * 1024 * 1024 - PNG.length, n)]);
    const files: Array<[string, Buffer]> = [['a.png', file(1)], ['b.png', file(2)], ['c.png', file(3)]];
    const r = await upload(pid, jsonl([rec('two', ['a.png', 'b.png']), rec('three', ['a.png', 'b.png', 'c.png'])]), files);
    expect(refusal(r)).toEqual([{ line: 2, field: 'images', message: expect.stringMatching(/image files come to 24(\.0)? MiB, over the 20 MiB an item may carry/) }]);
    expect(fileCount(pid)).toBe(0);
    const ok = await upload(pid, jsonl([rec('ab', ['a.png', 'b.png']), rec('bc', ['b.png', 'c.png', 'b.png'])]), files);
    expect(ok).toEqual({ status: 200, body: { imported: 2, files: 3 } });
  });

  test('a zip bomb (an entry inflating past its declared size) is stopped and refused', async () => {
    const pid = await newProject();
    const bomb = zip([{ name: 'dot.png', data: Buffer.concat([PNG, Buffer.alloc(50 * 1024 * 1024)]), deflate: true, declaredSize: PNG.length }]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const r = await upload(pid, jsonl([rec('i1', ['dot.png'])]), [['bomb.zip', bomb]], { field: 'files' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/The zip "bomb\.zip" cannot be read: "dot\.png": /);
    expect(fileCount(pid)).toBe(0);
  });

  test.each([
    ['../evil.png', /"\.\.\/evil\.png" goes outside the upload/],
    ['/etc/evil.png', /"\/etc\/evil\.png" is an absolute path/],
    ['a/../../evil.png', /goes outside the upload/],
  ])('a zip entry named %s is refused', async (name, message) => {
    const pid = await newProject();
    const r = await upload(pid, jsonl([rec('i1', ['evil.png'])]), [['x.zip', zip([{ name, data: PNG }])]], { field: 'files' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(message);
    expect(fileCount(pid)).toBe(0);
  });

  test('a part named with ".." is refused', async () => {
    const pid = await newProject();
    const r = await upload(pid, jsonl([rec('i1', ['evil.png'])]), [['../evil.png', PNG]], { field: 'files' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('goes outside the upload');
  });

  test('atomic: one bad record among good ones stores no item and no file, and the project keeps what it had', async () => {
    const pid = await newProject();
    expect((await upload(pid, jsonl([rec('i0', ['first.png'])]), [['first.png', PNG]])).status).toBe(200);
    const r = await upload(pid, jsonl([rec('i1', ['ok.gif']), rec('i2', ['ok.webp']), rec('i3', ['missing.png'])]), [
      ['ok.gif', GIF],
      ['ok.webp', WEBP],
    ]);
    expect(refusal(r).map((d) => `${d.line}:${d.field}`)).toEqual(['3:images.0']);
    expect((await items(pid)).map((i) => i.id)).toEqual(['i0']);
    expect(fileCount(pid)).toBe(1);
  });

  test('a multipart body without an items part, or with an unknown field, is refused in words', async () => {
    const pid = await newProject();
    const form = new FormData();
    form.append('files', new Blob([PNG]), 'a.png');
    const res = await fetch(`${s.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain('needs a part named items');
    const f2 = new FormData();
    f2.append('items', new Blob([jsonl([rec('i1', [])])]), 'items.jsonl');
    f2.append('upsert', '1');
    const r2 = await fetch(`${s.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: f2 });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as any).error.message).toContain('unknown form field "upsert"');
  });

  test('an upload past the import limit is refused with 413 and stores nothing', async () => {
    const small = await startServer({ maxImportBytes: 64 * 1024 });
    try {
      const pid = await makeProject(small, { type: 'rating' }, []);
      const form = new FormData();
      form.append('items', new Blob([jsonl([rec('i1', ['a.png'])])]), 'items.jsonl');
      form.append('files', new Blob([Buffer.concat([PNG, Buffer.alloc(100 * 1024)])]), 'a.png');
      const res = await fetch(`${small.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${small.token}` }, body: form });
      expect(res.status).toBe(413);
      expect(small.db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('GET /api/projects/:id/files/:sha256', () => {
  test('needs the admin token (401 without, 403 with a join link) and serves only the project own files (404)', async () => {
    const pid = await newProject();
    const other = await newProject();
    expect((await upload(pid, jsonl([{ id: 'i1', question: 'q', answer: 'a', images: ['a.png'] }]), [['a.png', PNG]])).status).toBe(200);
    expect((await getFile(pid, sha(PNG), null)).status).toBe(401);
    expect((await getFile(pid, sha(PNG), await invite(s, pid))).status).toBe(403);
    expect((await getFile(other, sha(PNG))).status).toBe(404);
    expect((await getFile(pid, sha(GIF))).status).toBe(404);
    expect((await getFile(pid, 'not-a-hash')).status).toBe(404);
    expect((await getFile(pid, sha(PNG))).status).toBe(200);
  });
});

describe('concord import --files', () => {
  const concord = (...args: string[]) => runConcord(s, ...args);

  test('a folder: only the files the items name are sent; a missing one fails before anything is sent, naming its line', async () => {
    const dir = fs.mkdtempSync(path.join(s.dir, 'cli-'));
    fs.mkdirSync(path.join(dir, 'images', 'img'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'images', 'img', 'dot.png'), PNG);
    fs.writeFileSync(path.join(dir, 'images', 'dot.gif'), GIF);
    fs.writeFileSync(path.join(dir, 'images', 'unrelated.webp'), WEBP);
    const file = path.join(dir, 'items.jsonl');
    fs.writeFileSync(
      file,
      jsonl([
        { id: 'i1', question: 'q', answer: 'a', images: ['img/dot.png', 'https://example.org/x.png'] },
        { id: 'i2', conversation: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'dot.gif' } }] }, { role: 'assistant', content: 'a' }] },
      ]),
    );
    const pid = await newProject();
    const ok = await concord('import', file, '--project', String(pid), '--files', path.join(dir, 'images'));
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`Imported 2 items with 2 image files into project ${pid}`);
    expect(fileCount(pid)).toBe(2);

    fs.appendFileSync(file, jsonl([{ id: 'i3', question: 'q', answer: 'a', images: ['img/nope.png'] }]));
    const pid2 = await newProject();
    const bad = await concord('import', file, '--project', String(pid2), '--files', path.join(dir, 'images'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 3: image "img/nope.png" is not in');
    expect((await items(pid2)).length).toBe(0);
  }, 60_000);

  test('a zip: sent whole after its entries are checked', async () => {
    const dir = fs.mkdtempSync(path.join(s.dir, 'cli-'));
    const archive = path.join(dir, 'images.zip');
    fs.writeFileSync(archive, zip([{ name: 'img/dot.png', data: PNG, deflate: true }]));
    const file = path.join(dir, 'items.jsonl');
    fs.writeFileSync(file, jsonl([{ id: 'i1', question: 'q', answer: 'a', images: ['img/dot.png'] }]));
    const pid = await newProject();
    const ok = await concord('import', file, '--project', String(pid), '--files', archive);
    expect(ok.stdout).toContain('Imported 1 items with 1 image file into project');
    expect(fileCount(pid)).toBe(1);
    fs.writeFileSync(file, jsonl([{ id: 'i1', question: 'q', answer: 'a', images: ['img/other.png'] }]));
    const bad = await concord('import', file, '--project', String(pid), '--files', archive, '--upsert');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`line 1: image "img/other.png" is not in ${archive}`);
  }, 60_000);
});
