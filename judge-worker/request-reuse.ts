/**
 * A judge's chat requests through the `openai` package, with the request's headers built once instead of on every
 * call. Per call the package builds its dozen headers (Accept, User-Agent, Authorization, Content-Type, the
 * X-Stainless platform ones…) into a fresh `Headers`, checking and sorting each, and formats them again for its
 * debug log even with logging off: in a judge worker's profile at thousands of judgments a second that was a third
 * of the package's CPU and about a tenth of the worker's. A judge's chat calls differ only in their body and abort
 * signal, so the package builds the first call's request as usual, and later calls of the same shape (same method,
 * path, timeout, retry count, key and base URL; no query, no per-call headers or options) reuse its URL and headers
 * (the same `Headers`, which nothing changes: this client has no provider and no workload identity, the two things
 * in the package that set a header after building) with their own body, JSON-encoded as the package encodes it.
 * Everything else goes through the package unchanged, and the package still sends the request, reads the answer
 * and raises its errors.
 */
import type OpenAI from 'openai';

type Build = OpenAI['buildRequest'];
type Options = Parameters<Build>[0];
type Built = Awaited<ReturnType<Build>>;

/** The request options a reusable call may carry: the ones a chat completion sets, none of which shape the request's headers but `timeout`. */
const REUSABLE = new Set(['method', 'path', 'body', 'timeout', 'signal', 'stream', 'maxRetries', '__security']);

/** The key of a call whose request differs from the last one of the same key only in its body and signal; null for any other call. */
function shapeOf(client: OpenAI, o: Options, retryCount: number): string | null {
  for (const k of Object.keys(o)) if (!REUSABLE.has(k) && (o as unknown as Record<string, unknown>)[k] !== undefined) return null;
  const body = o.body;
  if (body === null || typeof body !== 'object' || Object.getPrototypeOf(body) !== Object.prototype) return null;
  return JSON.stringify([o.method, o.path, o.timeout ?? null, o.__security ?? null, retryCount, client.apiKey, client.baseURL]);
}

/** Makes `client` build a request's headers once per shape of call (see the module's comment). */
export function reuseRequestHeaders(client: OpenAI): void {
  const build: Build = client.buildRequest.bind(client);
  let last: { shape: string; url: string; timeout: number; method: string | undefined; headers: Headers } | undefined;
  /** Shapes whose headers differ from one build to the next: never reused. */
  const unique = new Set<string>();
  client.buildRequest = async (options, meta = {}) => {
    const shape = shapeOf(client, options, meta.retryCount ?? 0);
    if (shape === null || unique.has(shape)) return build(options, meta);
    if (last?.shape !== shape) {
      const built = await build(options, meta);
      if (!(built.req.headers instanceof Headers) || typeof built.req.body !== 'string') return built;
      // A header made afresh for each request (an idempotency key, as the package sets when a client has an
      // `idempotencyHeader`; a request id or a date in a later version) must not be sent twice: the shape is built
      // twice, each on its own copy of the options, and reused only if both builds' headers are the same.
      const again = await build({ ...options, idempotencyKey: undefined }, meta);
      if (!sameHeaders(built.req.headers, again.req.headers)) {
        unique.add(shape);
        return built;
      }
      last = { shape, url: built.url, timeout: built.timeout, method: built.req.method, headers: built.req.headers };
    }
    const req: Built['req'] = { method: last.method, headers: last.headers, body: JSON.stringify(options.body) };
    if (options.signal) req.signal = options.signal;
    return { req, url: last.url, timeout: last.timeout };
  };
}

function sameHeaders(a: Headers, b: unknown): boolean {
  if (!(b instanceof Headers)) return false;
  const x = [...a.entries()];
  const y = [...b.entries()];
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && y[i]![1] === v);
}
