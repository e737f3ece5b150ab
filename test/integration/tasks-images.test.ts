/**
 * The task protocol on items with images (issue 11): a stored file (`file:<sha256>` in the item) reaches the lease
 * holder as its bytes (a socket.io binary attachment, with its type), an http(s) URL as the item gave it, alt text kept, the import's file name
 * dropped; no `file:` name ever reaches a client.
 */
import { createHash } from 'node:crypto';
import type { Task } from '../../shared/protocol';
import type { ItemContent } from '../../shared/views';
import { FilesRepo } from '../../server/files/files.repo';
import { ItemsRepo } from '../../server/items/items.repo';
import { call, invite, makeProject, ok, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

/** The smallest PNG (a 1×1 transparent pixel) and a GIF, as bytes: what an import stores. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A stored file as a task carries it: its bytes, as a binary attachment (a Buffer in Node), with their type. */
const attached = (type: string, b: Buffer) => ({ src: `attached:${sha(b)}`, data: b, type });

function storeFiles(pid: number): void {
  const files = new FilesRepo(s.db);
  files.put(pid, sha(PNG), 'image/png', PNG, s.clock.now);
  files.put(pid, sha(GIF), 'image/gif', GIF, s.clock.now);
}

function writeItem(pid: number, externalId: string, content: ItemContent): void {
  s.db.transaction(() => new ItemsRepo(s.db).write(pid, [{ externalId, content, gold: null, meta: null }], false, s.clock.now))();
  s.app.tasks.reload(pid);
}

describe('image tasks', () => {
  test('a stored file is sent as its bytes with its type and alt text, a remote URL as given, and no file name or file: source leaks', async () => {
    const pid = await makeProject(s, { type: 'rating' }, []);
    storeFiles(pid);
    writeItem(pid, 'i1', {
      question: 'What is in the picture?',
      answer: 'A pixel.',
      images: [
        { src: `file:${sha(PNG)}`, name: 'secret-folder/cat.png', alt: 'A cat' },
        { src: 'https://example.org/dog.png' },
        { src: `file:${sha(GIF)}`, name: 'gifs/x.gif' },
      ],
    });
    const c = await s.connect({ token: await invite(s, pid), worker: 'viewer' });
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(t.item.images).toEqual([{ ...attached('image/png', PNG), alt: 'A cat' }, { src: 'https://example.org/dog.png' }, attached('image/gif', GIF)]);
    const wire = JSON.stringify(t);
    expect(wire).not.toContain('file:');
    expect(wire).not.toContain('secret-folder');
    expect(wire).not.toContain('gifs/x.gif');
  });

  test('images on a conversation’s turns are attached too, in the turns they belong to', async () => {
    const pid = await makeProject(s, {}, []);
    storeFiles(pid);
    const conv = (m: string) => [
      { role: 'user' as const, content: 'Describe this.', images: [{ src: `file:${sha(PNG)}`, name: 'a.png', alt: 'one pixel' }] },
      { role: 'assistant' as const, content: `${m}: a pixel` },
      { role: 'user' as const, content: 'And this?', images: [{ src: 'http://example.org/b.gif' }, { src: `file:${sha(GIF)}`, name: 'b.gif' }] },
      { role: 'assistant' as const, content: `${m}: another` },
    ];
    writeItem(pid, 'c1', { question: 'And this?', answer_a: 'alpha: another', answer_b: 'beta: another', conversation_a: conv('alpha'), conversation_b: conv('beta'), turn: 2 });
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'vision' });
    const j = await s.connect({ token: judge.body.token });
    const t = (await ok<Task>(j, 'task:next'))!;
    for (const side of [t.item.conversation_a!, t.item.conversation_b!]) {
      expect(side[0]!.images).toEqual([{ ...attached('image/png', PNG), alt: 'one pixel' }]);
      expect(side[1]!.images).toBeUndefined();
      expect(side[2]!.images).toEqual([{ src: 'http://example.org/b.gif' }, attached('image/gif', GIF)]);
    }
    expect(JSON.stringify(t)).not.toContain('file:');
  });

  test('a file of another project is not served: the task fails as an internal error, never with the file: name', async () => {
    const other = await makeProject(s, { type: 'rating' }, []);
    storeFiles(other);
    const pid = await makeProject(s, { type: 'rating' }, []);
    writeItem(pid, 'i1', { question: 'Q?', answer: 'A.', images: [{ src: `file:${sha(PNG)}`, name: 'cat.png' }] });
    const c = await s.connect({ token: await invite(s, pid), worker: 'nosy' });
    const r = await call(c, 'task:next');
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(r)).not.toContain(sha(PNG));
  });

  test('a source that is neither a stored file nor an http(s) URL is dropped', async () => {
    const pid = await makeProject(s, { type: 'choice', options: ['yes', 'no'] }, []);
    writeItem(pid, 'i1', { question: 'Safe?', images: [{ src: 'javascript:alert(1)' }, { src: 'https://example.org/ok.png', alt: 'ok' }] });
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(t.item.images).toEqual([{ src: 'https://example.org/ok.png', alt: 'ok' }]);
  });
});
