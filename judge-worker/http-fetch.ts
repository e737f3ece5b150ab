/**
 * A small `fetch` for the model client over node:http(s) with keep-alive sockets. The `openai` package takes any
 * fetch; Node's built-in one (undici) spends most of a judge worker's CPU on web streams and per-request abort
 * plumbing, which at hundreds of judgments a second makes the worker, not the model, the bottleneck. Requests
 * here are small JSON bodies without streaming, so the whole response is read into memory and handed over as a
 * standard `Response`.
 */
import http from 'node:http';
import https from 'node:https';

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

export async function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!mod) throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortError();
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError('fetch failed: only string bodies are supported');

  return new Promise<Response>((resolve, reject) => {
    const req = mod.request(url, { method: init.method ?? 'GET', headers: headerRecord(init.headers), agent: agents[url.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
      res.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) headers.append(k, x);
          else if (v !== undefined) headers.set(k, v);
        }
        const status = res.statusCode ?? 500;
        const nullBody = status === 204 || status === 304;
        const data = Buffer.concat(chunks);
        resolve(new Response(nullBody ? null : status >= 400 ? openAIErrorBody(data) : data, { status, statusText: res.statusMessage ?? '', headers }));
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
