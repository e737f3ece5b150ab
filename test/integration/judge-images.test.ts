/**
 * Images sent to judges (issue 11): files imported with the items reach the model endpoint as OpenAI `image_url`
 * content parts carrying `data:` URLs of the stored bytes (remote URLs as given), and a text-only model's refusal
 * ends the run with an error that says a vision model is needed, instead of retrying.
 */
import { JudgeWorker } from '../../judge-worker/worker';
import { closeServerAndModel, listedJudge, startServerAndModel } from '../helpers/judges';
import { imageParts, promptText, startMockOpenAI, verdict, type MockOpenAI } from '../helpers/mock-openai';
import { jsonl, makeProject, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

/** A 1×1 PNG and a 1×1 GIF, as bytes: what the import stores and the judge must receive. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const REMOTE = 'https://example.org/photos/remote.jpg';

const items = [
  { id: 'p1', question: 'Which caption fits the picture?', answer_a: 'A red dot.', answer_b: 'A blue square.', images: ['img/dot.png', { src: REMOTE, alt: 'a remote photo' }] },
  {
    id: 'c1',
    turn: 1,
    conversation_a: [
      { role: 'user', content: 'What is this?', images: [{ src: 'img/pixel.gif', alt: 'one white pixel' }] },
      { role: 'assistant', content: 'A white pixel.' },
    ],
    conversation_b: [
      { role: 'user', content: 'What is this?', images: [{ src: 'img/pixel.gif', alt: 'one white pixel' }] },
      { role: 'assistant', content: 'A cat.' },
    ],
  },
];

/** Creates a pairwise project and imports the items with their image files in one multipart upload. */
async function imageProject(): Promise<number> {
  const pid = await makeProject(s, { redundancy: 1 }, []);
  const form = new FormData();
  form.append('items', new Blob([jsonl(items)], { type: 'application/x-ndjson' }), 'items.jsonl');
  form.append('img/dot.png', new Blob([PNG]), 'img/dot.png');
  form.append('img/pixel.gif', new Blob([GIF]), 'img/pixel.gif');
  const r = await fetch(`${s.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: form });
  if (r.status !== 200) throw new Error(`import failed: ${await r.text()}`);
  return pid;
}

async function register(pid: number, body: Record<string, unknown>): Promise<{ id: number; token: string }> {
  const r = await s.api('POST', `/api/projects/${pid}/judges`, body);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body;
}

const dataUrl = (type: string, b: Buffer) => `data:${type};base64,${b.toString('base64')}`;

describe('images sent to judges', () => {
  test('stored images reach the endpoint as image_url parts with data: URLs of their bytes; remote URLs as given', async () => {
    const pid = await imageProject();
    const judge = await register(pid, { model: 'vision-model' });
    mock.rule = (req) => verdict(req, 'A');
    const summary = await new JudgeWorker({ server: s.url, token: judge.token, baseUrl: mock.url, statusEveryMs: 50 }).run();
    expect(summary).toMatchObject({ state: 'done', labels: 2, invalid: 0, errors: 0 });

    const byItem = new Map(mock.requests.map((r) => [promptText(r).includes('Which caption') ? 'p1' : 'c1', r]));
    const plain = byItem.get('p1')!;
    expect(imageParts(plain)).toEqual([{ url: dataUrl('image/png', PNG) }, { url: REMOTE }]);
    const user = plain.body.messages.find((m) => m.role === 'user')!.content as unknown as Array<Record<string, unknown>>;
    expect(user[0]).toMatchObject({ type: 'text', text: expect.stringContaining('[User Question]\nWhich caption fits the picture?') });
    expect(user.slice(1)).toEqual([
      { type: 'text', text: 'Image 1 (the item):' },
      { type: 'image_url', image_url: { url: dataUrl('image/png', PNG) } },
      { type: 'text', text: 'Image 2 (the item; described as: a remote photo):' },
      { type: 'image_url', image_url: { url: REMOTE } },
    ]);

    // The user's image is in both conversations: sent once, marked in the transcript where it was.
    const conversation = byItem.get('c1')!;
    expect(imageParts(conversation)).toEqual([{ url: dataUrl('image/gif', GIF) }]);
    expect(promptText(conversation)).toContain('### User:\nWhat is this?\n\n[Image 1: one white pixel]\n\n### Assistant A:');
  });

  test("a text-only model's refusal of images ends the run at once with an error naming the model and asking for a vision model", async () => {
    const pid = await imageProject();
    const judge = await register(pid, { model: 'text-only-7b', concurrency: 1 });
    const textOnly = await startMockOpenAI((req) => verdict(req, 'A'), { textOnly: true });
    try {
      const summary = await new JudgeWorker({ server: s.url, token: judge.token, baseUrl: textOnly.url, statusEveryMs: 50, maxTries: 4 }).run();
      expect(summary.state).toBe('error');
      expect(summary.labels).toBe(0);
      expect(summary.retries).toBe(0);
      expect(summary.last_error).toContain('The model "text-only-7b" does not take images');
      expect(summary.last_error).toContain('text-only-7b is not a multimodal model');
      expect(summary.last_error).toContain('judge them with a vision model');
      expect(summary.last_error).toContain(textOnly.url);
      // One request, not a retry per task: the first refusal stops the run.
      expect(textOnly.requests).toHaveLength(1);
      const listed = await listedJudge(s, pid, judge.id);
      expect(listed).toMatchObject({ state: 'error', progress: { done: 0 } });
      expect(listed.last_error).toContain('vision model');
    } finally {
      await textOnly.close();
    }
  });
});
