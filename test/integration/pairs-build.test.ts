/**
 * `concord pairs build` end to end: the command run as a child process (as a user runs it) against the mock
 * OpenAI-compatible endpoint, its pairs checked record by record, its seed's determinism, a resume after the process
 * was killed mid-run (and after a cache line cut short), and the file imported over REST into a pairwise project.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startMockOpenAI, lastText, type MockOpenAI, type MockReply, type MockRequest } from '../helpers/mock-openai';
import { makeProject, startServer, tempDir, type TestServer } from '../helpers/server';
import { CONCORD_BIN } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '../..');
/** `concord pairs …` as a user runs it. */
const nodeArgs = (args: string[]) => [CONCORD_BIN, 'pairs', ...args];

async function runPairs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, nodeArgs(args), { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

// Eight questions the model gets right half the time, one always right, one always wrong, one the endpoint refuses.
const MIXED = Array.from({ length: 8 }, (_, i) => `m${i + 1}`);
const QUESTIONS = [...MIXED, 'right', 'wrong', 'refused'].map((id, i) => ({
  id,
  question: `[${id}] Which option? (A) one (B) two (C) three (D) four`,
  answer: 'ABCD'[i % 4]!,
  category: i % 2 ? 'mmlu-pro-math' : 'mmlu-pro-law',
}));
const gold = (id: string) => QUESTIONS.find((q) => q.id === id)!.answer;
const other = (letter: string) => (letter === 'A' ? 'B' : 'A');
const reply = (letter: string, right: boolean) => `Step by step… so the answer is (${letter}).\n\n${letter.repeat(5)}${right ? '' : ' '}`;

/** The model: for a mixed question its calls alternate right, wrong, right, wrong (whatever sample each answers). */
function model(): (req: MockRequest) => MockReply {
  const calls = new Map<string, number>();
  return (req) => {
    const id = /^\[(\w+)\]/.exec(lastText(req))![1]!;
    const n = calls.get(id) ?? 0;
    calls.set(id, n + 1);
    if (id === 'refused') return { status: 400, error: { message: 'context length exceeded' } };
    const right = id === 'right' || (id !== 'wrong' && n % 2 === 0);
    return { content: reply(right ? gold(id) : other(gold(id)), right) };
  };
}

let s: TestServer;
let mock: MockOpenAI;
let dir: string;
let input: string;
const base = () => ['--base-url', mock.url, '--model', 'mock-7b', '--samples', '4', '--checker', 'mcq'];
const readJsonl = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(async () => {
  s = await startServer();
  dir = tempDir('concord-pairs-');
  input = path.join(dir, 'questions.jsonl');
  fs.writeFileSync(input, QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n');
});
afterAll(async () => {
  await s.close();
});
beforeEach(async () => {
  mock = await startMockOpenAI(model());
});
afterEach(async () => {
  await mock.close();
});

test('one pair per question with a right and a wrong answer, gold on the right one, counted; then imported with its gold', async () => {
  const out = path.join(dir, 'a.jsonl');
  const r = await runPairs('build', input, ...base(), '--out', out, '--seed', '7', '--concurrency', '3');
  expect(r.stderr).not.toMatch(/concord:/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^8 of 11 questions gave a pair \(1 all correct, 1 all wrong, 1 with failed requests\)/);
  expect(r.stdout).toMatch(/seed 7/);
  // Not a terminal: progress as plain lines on stderr, the last one the total.
  expect(r.stderr.trim().split('\n').pop()).toBe('sampled 40/44, failed 4');
  // 44 samples; the refused question's 400 is not retried.
  expect(mock.requests).toHaveLength(44);
  expect(mock.requests[0]!.body).toMatchObject({ model: 'mock-7b', messages: [{ role: 'user', content: QUESTIONS[0]!.question }] });
  const pairs = readJsonl(out);
  expect(pairs.map((p) => p.id)).toEqual(MIXED);
  for (const p of pairs) {
    const right = reply(gold(p.id), true);
    const wrong = reply(other(gold(p.id)), false);
    expect([p.answer_a, p.answer_b]).toEqual(p.gold === 'A' ? [right, wrong] : [wrong, right]);
    expect(p.meta).toMatchObject({ source_question: p.id, model: 'mock-7b', checker: 'mcq', seed: 7, samples: 4, correct_samples: 2, category: QUESTIONS.find((q) => q.id === p.id)!.category });
    expect(p.meta[p.gold === 'A' ? 'extracted_a' : 'extracted_b']).toBe(gold(p.id));
  }
  // Positions are drawn, not fixed: both occur among eight pairs for this seed.
  expect(new Set(pairs.map((p) => p.gold))).toEqual(new Set(['A', 'B']));
  expect(fs.readFileSync(`${out}.samples.jsonl`, 'utf8').trim().split('\n')).toHaveLength(40);

  const pid = await makeProject(s, {}, []);
  const imp = await s.api('POST', `/api/projects/${pid}/items`, fs.readFileSync(out, 'utf8'), { type: 'application/x-ndjson' });
  expect(imp).toEqual({ status: 200, body: { imported: 8 } });
  const items = (await s.api('GET', `/api/projects/${pid}/items?limit=100`)).body.items as Array<Record<string, any>>;
  for (const p of pairs) expect(items.find((i) => i.id === p.id)).toMatchObject({ gold: p.gold, content: { answer_a: p.answer_a, answer_b: p.answer_b }, meta: { checker: 'mcq' } });
}, 60_000);

test('the same seed gives the same file; another seed other positions', async () => {
  const files = (
    [
      ['x1', '11'],
      ['x2', '11'],
      ['x3', '12'],
    ] as const
  ).map(([name, seed]) => [path.join(dir, `${name}.jsonl`), seed] as const);
  for (const [out, seed] of files) {
    mock.rule = model();
    expect((await runPairs('build', input, ...base(), '--out', out, '--seed', seed, '--concurrency', '4')).code).toBe(0);
  }
  const [a, b, c] = files.map(([f]) => fs.readFileSync(f, 'utf8'));
  expect(b).toBe(a);
  const golds = (t: string) => t.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { gold: string }).gold).join('');
  expect(golds(c!)).not.toBe(golds(a!));
}, 60_000);

test('a run killed midway resumes from its cache (a line cut short is asked again) and writes what an uninterrupted run writes', async () => {
  const out = path.join(dir, 'k.jsonl');
  const cache = `${out}.samples.jsonl`;
  mock.rule = (req) => {
    const r = inner(req);
    return 'content' in r ? { ...r, delayMs: 100 } : r;
  };
  const inner = model();
  const child = spawn(process.execPath, nodeArgs(['build', input, ...base(), '--out', out, '--seed', '5', '--concurrency', '2']), { cwd: ROOT, stdio: 'ignore' });
  const lines = () => (fs.existsSync(cache) ? fs.readFileSync(cache, 'utf8').split('\n').filter(Boolean).length : 0);
  while (lines() < 10) await new Promise((ok) => setTimeout(ok, 20));
  child.kill('SIGKILL');
  await new Promise((ok) => child.once('exit', ok));
  expect(fs.existsSync(out)).toBe(false);
  fs.appendFileSync(cache, '{"question_id":"m8","sample":3,"mod');
  const kept = lines() - 1;
  expect(kept).toBeLessThan(40);

  await mock.close();
  mock = await startMockOpenAI(model());
  const r = await runPairs('build', input, ...base(), '--out', out, '--seed', '5');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^8 of 11 questions gave a pair/);
  expect(r.stdout).toContain(`${kept} from the cache`);
  expect(mock.requests).toHaveLength(44 - kept);

  mock.rule = model();
  const fresh = path.join(dir, 'k-fresh.jsonl');
  expect((await runPairs('build', input, ...base(), '--out', fresh, '--seed', '5')).code).toBe(0);
  expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(fresh, 'utf8'));
}, 60_000);

test('the judges\' client: a 500 is retried, a 401 stops the run with the reason; Ctrl-C keeps the cache and says how to resume', async () => {
  const inner = model();
  let first = true;
  mock.rule = (req) => (first ? ((first = false), { status: 500 }) : inner(req));
  const out = path.join(dir, 'r.jsonl');
  const ok = await runPairs('build', input, ...base(), '--out', out, '--seed', '3', '--concurrency', '1');
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^8 of 11 questions gave a pair/);
  expect(mock.requests).toHaveLength(45);

  mock.rule = () => ({ status: 401, error: { message: 'Incorrect API key provided' } });
  const denied = await runPairs('build', input, ...base(), '--out', path.join(dir, 'denied.jsonl'), '--concurrency', '2');
  expect(denied.code).toBe(1);
  expect(denied.stderr).toContain('concord: 401 from the endpoint: 401 Incorrect API key provided');
  expect(mock.requests.length).toBeLessThanOrEqual(45 + 2);

  mock.rule = (req) => ({ ...(inner(req) as { content: string }), delayMs: 100 });
  const stopped = path.join(dir, 'int.jsonl');
  const child = spawn(process.execPath, nodeArgs(['build', input, ...base(), '--out', stopped, '--concurrency', '2']), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  while (!fs.existsSync(`${stopped}.samples.jsonl`)) await new Promise((done) => setTimeout(done, 20));
  child.kill('SIGINT');
  const code = await new Promise((done) => child.once('exit', done));
  expect(code).toBe(130);
  expect(stderr).toMatch(/Interrupted with \d+\/44 samples cached: run the same command again to resume/);
  expect(fs.existsSync(stopped)).toBe(false);
}, 60_000);

test('bad records are refused with their line and field, before any request', async () => {
  const bad = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(bad, [JSON.stringify({ id: 'a', question: 'Q', answer: 'C' }), '{not json', JSON.stringify({ id: 'b', question: '', answer: 'CC' }), JSON.stringify({ id: 'a', question: 'Q', answer: 'B', extra: 1 })].join('\n'));
  const r = await runPairs('build', bad, ...base());
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('line 2: is not valid JSON');
  expect(r.stderr).toMatch(/line 3 {2}question: /);
  expect(r.stderr).toContain('line 4  extra: is not a field of a question');
  expect(mock.requests).toHaveLength(0);
}, 30_000);

test.each([
  ['number', 0.75, ['The answer is 3/4', 'The answer is 0.7'], ''],
  ['exact', 'Paris', ['The answer is: the Paris.', 'The answer is Lyon'], ''],
  ['number', 'Paris', [], 'line 1  answer: must be a number for --checker number'],
])('--checker %s grades the answers it is named for', async (checker, answer, replies, refusal) => {
  const q = path.join(dir, `${checker}-${String(answer)}.jsonl`);
  fs.writeFileSync(q, JSON.stringify({ id: 'q1', question: '[q1] What?', answer }) + '\n');
  let n = 0;
  mock.rule = () => ({ content: replies[n++ % 2]! });
  const out = path.join(dir, `${checker}-pairs.jsonl`);
  const r = await runPairs('build', q, '--base-url', mock.url, '--model', 'm', '--samples', '2', '--checker', checker, '--out', out, '--seed', '1', '--concurrency', '1');
  if (refusal) {
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(refusal);
    return;
  }
  expect(r.stderr).not.toMatch(/concord:/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^1 of 1 questions gave a pair/);
  const [p] = readJsonl(out);
  expect(p).toMatchObject({ id: 'q1', meta: { checker } });
  expect(p![p!.gold === 'A' ? 'answer_a' : 'answer_b']).toBe(replies[0]);
  expect(p![p!.gold === 'A' ? 'answer_b' : 'answer_a']).toBe(replies[1]);
}, 30_000);
