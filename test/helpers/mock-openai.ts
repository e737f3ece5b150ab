/**
 * A local OpenAI-compatible endpoint for tests and benchmarks: real HTTP on a free port, `POST
 * /v1/chat/completions` with the real request and response JSON (including `usage`; streaming off). A rule
 * decides each answer: content, an HTTP error (429 with Retry-After, 500, a 400 refusing `response_format` in
 * OpenAI's error shape), a hang past the client's timeout, a dropped connection, or a body that is not JSON.
 * Every request is recorded (`requests`), so a test can check what a judge sent, images included; started with
 * `textOnly`, the endpoint refuses requests with images as a text-only model behind vLLM does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OpenAI chat content part (a user message's content may be a list of them). */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface ChatBody {
  model: string;
  /**
   * Typed as text, as every request without images sends it (and the tests that read `content` expect); a request
   * with images sends the user's content as a list of {@link ContentPart}s: read those with `promptText` and
   * `imageParts`.
   */
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
  /** An error answered with this exact JSON body (another server's error shape, e.g. vLLM's). */
  | { status: number; body: Record<string, unknown> }
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

/** A message's text: its string, or its text parts joined by newlines. */
const contentOf = (m: ChatBody['messages'][number]): string | ContentPart[] | null => m.content as unknown as string | ContentPart[] | null;
const messageText = (m: ChatBody['messages'][number]): string => {
  const c = contentOf(m);
  return typeof c === 'string' ? c : (c ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('\n');
};

/** All the text a request sent (every message's, in order). */
export const promptText = (req: MockRequest): string => req.body.messages.map(messageText).join('\n');

/** The text of a request's last message (a repair request's question, for one). */
export const lastText = (req: MockRequest): string => messageText(req.body.messages[req.body.messages.length - 1]!);

/** The `image_url` parts a request sent, in order. */
export function imageParts(req: MockRequest): Array<{ url: string }> {
  return req.body.messages.flatMap((m) => {
    const c = contentOf(m);
    return Array.isArray(c) ? c.flatMap((p) => (p.type === 'image_url' ? [{ url: p.image_url.url }] : [])) : [];
  });
}

/** The answers of a ranking prompt as a judge saw them (display order), read back from JudgeLM's or RankGPT's layout. */
export function shownAnswers(req: MockRequest): string[] {
  const text = promptText(req);
  const judgelm = [...text.matchAll(/\[The Start of Assistant (\d+)'s Answer\]\n([\s\S]*?)\n\n\[The End of Assistant \1's Answer\]/g)].map((m) => m[2]!);
  if (judgelm.length) return judgelm;
  return [...text.matchAll(/^\[(\d+)\] ([\s\S]*?)(?=\n\n(?:\[\d+\] |Question: ))/gm)].map((m) => m[2]!);
}

/** The answers as a judge saw them (display order), read back from an MT-Bench-style prompt. */
export function shown(req: MockRequest): { question: string; a: string; b: string } {
  const text = promptText(req);
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

/** vLLM's answer to images sent to a text-only model (its error shape: a top-level message, `code` 400). */
export function textOnlyRefusal(req: MockRequest): MockReply {
  return { status: 400, body: { object: 'error', message: `${req.body.model} is not a multimodal model None`, type: 'BadRequestError', param: null, code: 400 } };
}

export async function startMockOpenAI(rule: Rule = (req) => verdict(req, 'A'), opts: { latencyMs?: number; textOnly?: boolean } = {}): Promise<MockOpenAI> {
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
        const reply = opts.textOnly && imageParts(r).length > 0 ? textOnlyRefusal(r) : await mock.rule(r);
        if ('hang' in reply) return; // never answers: the client's timeout has to fire
        if ('drop' in reply) return void req.socket.destroy();
        if ('raw' in reply) return void res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(reply.raw);
        if ('body' in reply) return void res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
        if ('status' in reply) {
          const error = { message: 'Mock error', type: 'server_error', param: null, code: null, ...reply.error };
          return void res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify({ error }));
        }
        const delay = reply.delayMs ?? opts.latencyMs ?? 0;
        if (delay > 0) await new Promise((ok) => setTimeout(ok, delay));
        const prompt = tokens(body.messages.map(messageText).join(''));
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
