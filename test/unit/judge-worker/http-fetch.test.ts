import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { httpFetch } from '../../../judge-worker/http-fetch';

/**
 * The judge worker's fetch hands the `openai` package a response read into memory instead of a standard Response:
 * these check that it reads like one where the package and the worker read it (status, headers, json, text, body).
 */
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/json') {
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('X-Request-Id', 'req_1');
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ ok: 'é' }));
    } else if (req.url === '/text') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('plain text');
    else if (req.url === '/empty') res.writeHead(204).end();
    else if (req.url === '/vllm-error') res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ object: 'error', message: 'bad things', type: 'BadRequestError', code: 400 }));
    else if (req.url === '/v1/chat/completions') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const { model } = JSON.parse(body) as { model: string };
        if (model === 'busy') res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '7' }).end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit' } }));
        else res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': 'req_2' }).end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'A' }, finish_reason: 'stop' }] }));
      });
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

test('a JSON answer: status, headers case-insensitively, json once', async () => {
  const r = await httpFetch(`${base}/json`);
  expect(r.ok).toBe(true);
  expect(r.status).toBe(200);
  expect(r.url).toBe(`${base}/json`);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(r.headers.get('X-Request-ID')).toBe('req_1');
  expect(r.headers.get('set-cookie')).toBe('a=1, b=2');
  expect(r.headers.get('x-missing')).toBeNull();
  expect([...r.headers.entries()].map(([k]) => k)).toEqual(expect.arrayContaining(['content-type', 'x-request-id']));
  expect(await r.json()).toEqual({ ok: 'é' });
  await expect(r.text()).rejects.toThrow(/already been read/);
});

test('text, a 204 without a body, and the body as a stream', async () => {
  expect(await (await httpFetch(`${base}/text`)).text()).toBe('plain text');
  const empty = await httpFetch(`${base}/empty`);
  expect(empty.status).toBe(204);
  expect(empty.body).toBeNull();
  const streamed = await httpFetch(`${base}/text`);
  expect(await new Response(streamed.body).text()).toBe('plain text');
});

test("vLLM's top-level error body is wrapped in OpenAI's shape", async () => {
  const r = await httpFetch(`${base}/vllm-error`);
  expect(r.ok).toBe(false);
  expect(await r.json()).toEqual({ error: { object: 'error', message: 'bad things', type: 'BadRequestError', code: 400 } });
});

test('the openai package reads a completion and an error through it', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k', maxRetries: 0, fetch: httpFetch });
  const done = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  expect(done.choices[0]!.message.content).toBe('A');
  expect(done._request_id).toBe('req_2');
  const err = await client.chat.completions.create({ model: 'busy', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect((err as InstanceType<typeof OpenAI.RateLimitError>).message).toMatch(/slow down/);
  expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('7');
});
