/**
 * The model client: chat completions through the official `openai` package against any OpenAI-compatible URL
 * (vLLM, Ollama, llama.cpp's server, LM Studio, OpenAI, OpenRouter). The package's own retries are off
 * (`maxRetries: 0`): this module retries 429, 5xx, timeouts and dropped connections itself, with exponential
 * backoff and jitter, honouring `retry-after-ms` and `Retry-After`, for a bounded number of tries.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';
import { httpFetch } from './http-fetch';
import { reuseRequestHeaders } from './request-reuse';
import type { Message } from './templates';

export interface ModelOptions {
  baseURL: string;
  apiKey: string;
  model: string;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Most tries of one request (the first included). */
  maxTries: number;
  /** First backoff in ms; doubles each try up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Told of each retry (what failed, how long it waits). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface ChatRequest {
  messages: Message[];
  temperature?: number | undefined;
  max_tokens?: number | undefined;
  seed?: number | undefined;
  /** A JSON schema for structured output (`response_format: json_schema`). */
  schema?: Record<string, unknown> | undefined;
}

export interface ChatResult {
  content: string;
  finishReason: string | null;
  usage: { prompt: number; completion: number };
  latencyMs: number;
  /** Tries it took (1 = no retry). */
  tries: number;
}

/** The endpoint refused `response_format` (a 400/422 about it): ask again in the text format. */
export class StructuredRefused extends Error {}
/** The request failed for good: tries ran out, or an error that a retry would not fix (e.g. 400). */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly tries: number,
  ) {
    super(message);
  }
}
/** A failure of the whole endpoint, not of one task (bad key, unknown model): the run stops. */
export class EndpointFailed extends RequestFailed {}
/** The model does not take images (a text-only model): every task with images would fail the same way, so the run stops. */
export class ImagesRefused extends EndpointFailed {}

/** The part of a chat completion response this worker reads, checked (a broken endpoint must not crash it). */
const Completion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new APIUserAbortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The wait a server asked for: `retry-after-ms` (OpenAI's), else `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return null;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
const FATAL = (status: number) => status === 401 || status === 403 || status === 404;

/**
 * Whether an error answering a request with images says the model takes no images. The wordings of the servers a
 * judge runs on: vLLM "<model> is not a multimodal model" (400; vllm-project/vllm#23402), llama.cpp's server "image
 * input is not supported by this server" (a 500; ggml-org/llama.cpp#13566) and, older, "not compiled for
 * multimodal", OpenAI "image_url is only supported by certain models", and the plainer "does not support images".
 * A retry would fix none of them, the 500 included.
 */
export function imageRefusal(status: number, message: string): boolean {
  return (
    (status === 400 || status === 422 || status === 500) &&
    /not a multimodal model|image input is not supported|not compiled for multimodal|(?:does not|doesn't|do not) support (?:images?|vision|multimodal)|image_url is only supported|images? (?:input )?(?:are |is )?not supported|not a vision model/i.test(message)
  );
}

const hasImages = (messages: Message[]) => messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'));

/** Whether a 400/422 is the endpoint saying it does not do `response_format` (vLLM, llama.cpp and others word it differently). */
const refusesStructured = (e: APIError) =>
  (e.status === 400 || e.status === 422) && (e.param === 'response_format' || /response_format|json_schema|structured|guided|grammar/i.test(e.message));

export class ModelClient {
  private readonly client: OpenAI;
  private readonly sleep: NonNullable<ModelOptions['sleep']>;
  private readonly random: () => number;

  constructor(private readonly o: ModelOptions) {
    this.client = new OpenAI({ baseURL: o.baseURL, apiKey: o.apiKey, timeout: o.timeoutMs, maxRetries: 0, fetch: httpFetch });
    reuseRequestHeaders(this.client);
    this.sleep = o.sleep ?? defaultSleep;
    this.random = o.random ?? Math.random;
  }

  /** Backoff before try `attempt + 1`: the server's wait if it gave one, else exponential with equal jitter. */
  private delay(attempt: number, asked: number | null): number {
    const max = this.o.maxDelayMs ?? 30_000;
    if (asked !== null) return Math.min(asked, 120_000) + this.random() * 100;
    const d = Math.min(max, (this.o.baseDelayMs ?? 500) * 2 ** (attempt - 1));
    return d / 2 + (this.random() * d) / 2;
  }

  async chat(req: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: this.o.model,
      messages: req.messages,
      stream: false,
    };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.max_tokens !== undefined) body.max_tokens = req.max_tokens;
    if (req.seed !== undefined) body.seed = req.seed;
    if (req.schema) body.response_format = { type: 'json_schema', json_schema: { name: 'judgment', strict: true, schema: req.schema } };

    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let reason: string;
      let asked: number | null = null;
      // A signal per request: the package adds an abort listener to the signal it is given and never removes it,
      // so one long-lived signal would collect a listener per request.
      const ctl = new AbortController();
      const onAbort = () => ctl.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const raw: unknown = await this.client.chat.completions.create(body, { signal: ctl.signal });
        const latencyMs = performance.now() - started;
        const r = Completion.safeParse(raw);
        if (!r.success) throw new RequestFailed('The endpoint answered with something that is not a chat completion', undefined, attempt);
        const choice = r.data.choices[0]!;
        return {
          content: choice.message.content ?? choice.message.refusal ?? '',
          finishReason: choice.finish_reason ?? null,
          usage: { prompt: r.data.usage?.prompt_tokens ?? 0, completion: r.data.usage?.completion_tokens ?? 0 },
          latencyMs,
          tries: attempt,
        };
      } catch (e) {
        if (e instanceof RequestFailed) throw e;
        if (e instanceof APIUserAbortError || signal?.aborted) throw e;
        if (e instanceof APIConnectionError) {
          // Timeouts (APIConnectionTimeoutError) and dropped or refused connections.
          reason = e.message;
        } else if (e instanceof APIError && typeof e.status === 'number') {
          if (req.schema && refusesStructured(e)) throw new StructuredRefused(e.message);
          const msg = `${e.status} from the endpoint: ${e.message}`;
          if (imageRefusal(e.status, e.message) && hasImages(req.messages))
            throw new ImagesRefused(
              `The model "${this.o.model}" does not take images (${msg}): this project's items have images, so judge them with a vision model (one that accepts OpenAI image_url content parts)`,
              e.status,
              attempt,
            );
          if (FATAL(e.status)) throw new EndpointFailed(msg, e.status, attempt);
          if (!RETRYABLE(e.status)) throw new RequestFailed(msg, e.status, attempt);
          reason = msg;
          asked = retryAfterMs(e.headers);
        } else {
          // Not an HTTP answer we understand (e.g. a body that is not JSON): a retry will not help.
          throw new RequestFailed(`The request failed: ${e instanceof Error ? e.message : String(e)}`, undefined, attempt);
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      if (attempt >= this.o.maxTries) throw new RequestFailed(`Gave up after ${attempt} tries: ${reason}`, undefined, attempt);
      const delayMs = this.delay(attempt, asked);
      this.o.onRetry?.({ attempt, delayMs, reason });
      await this.sleep(delayMs, signal);
    }
  }
}
