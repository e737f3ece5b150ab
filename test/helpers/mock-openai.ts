/**
 * A local OpenAI-compatible endpoint for tests and benchmarks: real HTTP on a free port, `POST
 * /v1/chat/completions` with the real request and response JSON (including `usage`; streaming off). A rule
 * decides each answer: content, an HTTP error (429 with Retry-After, 500, a 400 refusing `response_format` in
 * OpenAI's error shape), a hang past the client's timeout, a dropped connection, or a body that is not JSON.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  stream?: boolean;
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
}

export interface MockRequest {
  /** 0-based, in arrival order. */
  n: number;
  body: ChatBody;
  headers: http.IncomingHttpHeaders;
}

export type MockReply =
  | { content: string; delayMs?: number; finish_reason?: string }
  | { status: number; headers?: Record<string, string>; error?: { message: string; type?: string; param?: string | null; code?: string | null } }
  | { hang: true }
  | { drop: true }
  | { raw: string; status?: number };

export type Rule = (req: MockRequest) => MockReply | Promise<MockReply>;

export interface MockOpenAI {
  /** The base URL to give the client (ends in /v1). */
  url: string;
  requests: MockRequest[];
  rule: Rule;
  close(): Promise<void>;
}

/** The answers as a judge saw them (display order), read back from an MT-Bench-style prompt. */
export function shown(req: MockRequest): { question: string; a: string; b: string } {
  const text = req.body.messages.map((m) => m.content).join('\n');
  const pick = (re: RegExp) => re.exec(text)?.[1] ?? '';
  return {
    question: pick(/\[User Question\]\n([\s\S]*?)\n\n/),
    a: pick(/\[The Start of Assistant (?:A|1)'s Answer\]\n([\s\S]*?)\n\[The End of Assistant (?:A|1)'s Answer\]/),
    b: pick(/\[The Start of Assistant (?:B|2)'s Answer\]\n([\s\S]*?)\n\[The End of Assistant (?:B|2)'s Answer\]/),
  };
}

/** An answer in the format the request asked for: JSON with `response_format`, else MT-Bench text. */
export function verdict(req: MockRequest, v: 'A' | 'B' | 'C', certainty?: number): MockReply {
  if (req.body.response_format) return { content: JSON.stringify({ rationale: `Assistant ${v} is better.`, verdict: v, ...(certainty === undefined ? {} : { certainty }) }) };
  return { content: `Assistant ${v} is better.\n\n[[${v}]]${certainty === undefined ? '' : `\nCertainty: [[${certainty}]]`}` };
}

const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

export async function startMockOpenAI(rule: Rule = (req) => verdict(req, 'A'), opts: { latencyMs?: number } = {}): Promise<MockOpenAI> {
  const sockets = new Set<import('node:net').Socket>();
  let n = 0;
  const mock: MockOpenAI = { url: '', requests: [], rule, close: async () => undefined };
  const server = http.createServer({ noDelay: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Unknown route ${req.url}`, type: 'invalid_request_error', param: null, code: null } }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
        const r: MockRequest = { n: n++, body, headers: req.headers };
        mock.requests.push(r);
        const reply = await mock.rule(r);
        if ('hang' in reply) return; // never answers: the client's timeout has to fire
        if ('drop' in reply) return void req.socket.destroy();
        if ('raw' in reply) return void res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(reply.raw);
        if ('status' in reply) {
          const error = { message: 'Mock error', type: 'server_error', param: null, code: null, ...reply.error };
          return void res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify({ error }));
        }
        const delay = reply.delayMs ?? opts.latencyMs ?? 0;
        if (delay > 0) await new Promise((ok) => setTimeout(ok, delay));
        const prompt = tokens(body.messages.map((m) => m.content).join(''));
        const completion = tokens(reply.content);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: `chatcmpl-mock${r.n}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: reply.content, refusal: null }, logprobs: null, finish_reason: reply.finish_reason ?? 'stop' }],
            usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
          }),
        );
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  mock.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return mock;
}
