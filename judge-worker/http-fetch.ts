/**
 * A small `fetch` for the model client over node:http(s) with keep-alive sockets. The `openai` package takes any
 * fetch; Node's built-in one (undici) spends most of a judge worker's CPU on web streams and per-request abort
 * plumbing, which at hundreds of judgments a second makes the worker, not the model, the bottleneck. Requests
 * here are small JSON bodies without streaming, so the whole response is read into memory and handed over as a
 * standard `Response`.
 */
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, noDelay: true }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, noDelay: true }),
};

const abortError = () => new DOMException('This operation was aborted', 'AbortError');

/**
 * An error body in OpenAI's shape. vLLM's servers before its OpenAI-shaped errors answer `{"object": "error",
 * "message": …, "type": …, "code": 400}` at the top level; the `openai` package reads only `body.error` and reports
 * such an answer as "400 status code (no body)", losing the reason (e.g. "… is not a multimodal model"). Wrapped
 * as `{"error": {…}}`, the message reaches the worker's error handling.
 */
export function openAIErrorBody(body: Buffer): Buffer {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || 'error' in json) return body;
  if (typeof (json as { message?: unknown }).message !== 'string') return body;
  return Buffer.from(JSON.stringify({ error: json }));
}

function headerRecord(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k!.toLowerCase()] = v!;
  else for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

/**
 * A response whose body is already in memory: the part of `Response` the `openai` package reads (status, ok, url,
 * headers' get and entries, json, text, arrayBuffer, body). A standard `Response` built from a Buffer wraps it in a
 * web ReadableStream and its Headers in a sorted list, and reading it back goes through undici's body mixin: at
 * thousands of judgments a second that plumbing was the largest share of a judge worker's CPU after the socket.
 */
class BufferedResponse {
  readonly ok: boolean;
  readonly headers: Headers;
  readonly redirected = false;
  readonly type = 'basic';
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    raw: http.IncomingHttpHeaders,
    private readonly data: Buffer | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new MessageHeaders(raw) as unknown as Headers;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  /** The body as a web stream, made only when asked for (the package cancels it on errors it retries). */
  get body(): ReadableStream<Uint8Array> | null {
    const data = this.data;
    if (data === null) return null;
    return new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(data)), c.close()) });
  }

  private take(): Buffer {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    return this.data ?? Buffer.alloc(0);
  }

  async text(): Promise<string> {
    return this.take().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.take().toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
}

/** Node's parsed response headers behind the read side of `Headers` (names are lower case already; lists joined). */
class MessageHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw).sort()) {
      const v = this.get(k);
      if (v !== null) yield [k, v];
    }
  }
  keys(): IterableIterator<string> {
    return Array.from(this.entries(), ([k]) => k)[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return Array.from(this.entries(), ([, v]) => v)[Symbol.iterator]();
  }
  forEach(fn: (value: string, key: string, parent: MessageHeaders) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** The last URL asked for, parsed, with its request options (a judge asks the same chat completions URL every time). */
let lastTarget: { href: string; url: URL; options: http.RequestOptions } | undefined;

function target(href: string): { url: URL; options: http.RequestOptions } {
  if (lastTarget?.href === href) return lastTarget;
  const url = new URL(href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
  // What http.request(url, …) makes of a URL (IPv6 brackets off, the path with its query, user and password decoded).
  const options: http.RequestOptions = { ...urlToHttpOptions(url), agent: agents[url.protocol] };
  lastTarget = { href, url, options };
  return lastTarget;
}

export async function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const { url, options } = target(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const mod = url.protocol === 'https:' ? https : http;
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortError();
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError('fetch failed: only string bodies are supported');

  return new Promise<Response>((resolve, reject) => {
    const req = mod.request({ ...options, method: init.method ?? 'GET', headers: headerRecord(init.headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
      res.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 500;
        const data = Buffer.concat(chunks);
        resolve(new BufferedResponse(url.href, status, res.statusMessage ?? '', res.headers, status === 204 || status === 304 ? null : status >= 400 ? openAIErrorBody(data) : data) as unknown as Response);
      });
    });
    const fail = (e: unknown) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    const onAbort = () => {
      req.destroy();
      fail(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => fail(signal?.aborted ? abortError() : new TypeError('fetch failed', { cause: e })));
    req.end(body ?? undefined);
  });
}
