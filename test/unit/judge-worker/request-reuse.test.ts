import OpenAI from 'openai';
import { httpFetch } from '../../../judge-worker/http-fetch';
import { ModelClient } from '../../../judge-worker/model';
import { reuseRequestHeaders } from '../../../judge-worker/request-reuse';
import { startMockOpenAI, type MockOpenAI } from '../../helpers/mock-openai';

/**
 * The judge's model client builds a chat request's headers once and reuses them (judge-worker/request-reuse.ts):
 * what reaches the endpoint must be what the `openai` package itself sends, call after call.
 */
let mock: MockOpenAI;

beforeEach(async () => {
  mock = await startMockOpenAI(() => ({ content: JSON.stringify({ rationale: 'fine', verdict: 'A' }) }));
});
afterEach(async () => {
  await mock.close();
});

/** A request's headers but its length (the bodies differ) and the connection's own. */
const headersOf = (i: number) => {
  const { 'content-length': _length, host: _host, connection: _connection, ...rest } = mock.requests[i]!.headers;
  return rest;
};

const messages = (k: number) => [
  { role: 'system' as const, content: 'Judge.' },
  { role: 'user' as const, content: `Question ${k}` },
];

test("a judge's chat requests reach the endpoint with the headers the openai package sends, and each its own body", async () => {
  const plain = new OpenAI({ baseURL: mock.url, apiKey: 'sk-test', timeout: 60_000, maxRetries: 0, fetch: httpFetch });
  await plain.chat.completions.create({ model: 'judge-model', messages: messages(0), stream: false });
  await plain.chat.completions.create({ model: 'judge-model', messages: messages(1), stream: false });
  // The package itself sends the same headers on every chat call: what makes reusing them right.
  expect(headersOf(1)).toEqual(headersOf(0));
  expect(headersOf(0)).toMatchObject({ authorization: 'Bearer sk-test', 'content-type': 'application/json', 'x-stainless-retry-count': '0' });

  const client = new ModelClient({ baseURL: mock.url, apiKey: 'sk-test', model: 'judge-model', timeoutMs: 60_000, maxTries: 1 });
  const answers = await Promise.all([2, 3, 4].map((k) => client.chat({ messages: messages(k), temperature: k / 10, seed: k })));
  expect(answers.map((a) => a.content)).toEqual(Array(3).fill(JSON.stringify({ rationale: 'fine', verdict: 'A' })));
  for (const i of [2, 3, 4]) expect(headersOf(i)).toEqual(headersOf(0));
  const bodies = mock.requests.slice(2).map((r) => r.body);
  expect(bodies.map((b) => [b.messages[1]!.content, b.temperature, b.seed]).sort()).toEqual([
    ['Question 2', 0.2, 2],
    ['Question 3', 0.3, 3],
    ['Question 4', 0.4, 4],
  ]);
  expect(bodies.every((b) => b.model === 'judge-model' && b.stream === false)).toBe(true);
});

test('a call of another shape (its own headers, another timeout) goes through the package as it is, and the next plain call is as before', async () => {
  const client = new OpenAI({ baseURL: mock.url, apiKey: 'sk-test', timeout: 60_000, maxRetries: 0, fetch: httpFetch });
  reuseRequestHeaders(client);
  await client.chat.completions.create({ model: 'm', messages: messages(0), stream: false });
  await client.chat.completions.create({ model: 'm', messages: messages(1), stream: false }, { headers: { 'X-Extra': 'yes' } });
  await client.chat.completions.create({ model: 'm', messages: messages(2), stream: false }, { timeout: 5_000 });
  await client.chat.completions.create({ model: 'm', messages: messages(3), stream: false });
  expect(mock.requests[1]!.headers['x-extra']).toBe('yes');
  expect(mock.requests[2]!.headers['x-stainless-timeout']).toBe('5');
  expect(mock.requests[2]!.headers['x-extra']).toBeUndefined();
  expect(headersOf(3)).toEqual(headersOf(0));
  expect(mock.requests.map((r) => r.body.messages[1]!.content)).toEqual(['Question 0', 'Question 1', 'Question 2', 'Question 3']);
});

test('a header made afresh for each request (an idempotency key) is never reused: each request has its own', async () => {
  // The package sets an idempotency key on every request of a client that names the header (this one does not by
  // default): reusing the first request's headers would send one key for every call, and a server that honours it
  // would answer them all with the first answer.
  class Keyed extends OpenAI {
    protected override idempotencyHeader = 'Idempotency-Key';
  }
  const client = new Keyed({ baseURL: mock.url, apiKey: 'sk-test', timeout: 60_000, maxRetries: 0, fetch: httpFetch });
  reuseRequestHeaders(client);
  for (let k = 0; k < 3; k++) await client.chat.completions.create({ model: 'm', messages: messages(k), stream: false });
  const keys = mock.requests.map((r) => r.headers['idempotency-key']);
  expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
  expect(new Set(keys).size).toBe(3);
});
