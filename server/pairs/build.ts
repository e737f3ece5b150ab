/**
 * `concord pairs build`: samples answers to questions with a verifiable answer through the judges' OpenAI-compatible
 * client (judge-worker/model.ts: its retries with backoff, timeouts and error classes), grades them
 * (shared/checkers.ts), and writes one pairwise item per question that got a correct and an incorrect answer.
 * Samples are cached as they arrive (`<out>.samples.jsonl`), so an interrupted run resumes where it stopped.
 */
import fs from 'node:fs';
import { check, type CheckerName } from '../../shared/checkers';
import { EndpointFailed, ModelClient, RequestFailed } from '../../judge-worker/model';
import { makePair, type Graded, type Outcome, type PairItem } from './pair';
import { cacheKey, openCache, readCache, readQuestions, type CachedSample, type Problem, type Question } from './records';

export interface BuildOptions {
  input: string;
  out: string;
  baseURL: string;
  apiKey: string;
  model: string;
  samples: number;
  checker: CheckerName;
  seed: number;
  concurrency: number;
  tolerance: number;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  timeoutMs: number;
  maxTries: number;
  onProgress?: (p: { done: number; total: number; failed: number }) => void;
  onRetry?: (reason: string) => void;
  signal?: AbortSignal;
}

export interface BuildSummary {
  questions: number;
  counts: Record<Outcome, number>;
  /** Samples asked for in this run, and found in the cache from earlier runs. */
  requested: number;
  cached: number;
  failed: number;
  lastError: string | null;
  out: string;
  cache: string;
}

export class BadQuestions extends Error {
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} bad record${problems.length === 1 ? '' : 's'}: nothing was sampled`);
  }
}

/** The run was stopped (Ctrl-C): the samples that arrived are in the cache, and no pairs were written. */
export class Interrupted extends Error {
  constructor(readonly done: number, readonly total: number) {
    super(`Interrupted with ${done}/${total} samples cached: run the same command again to resume`);
  }
}

export const cachePath = (out: string) => `${out}.samples.jsonl`;

/** Runs `n` workers over the tasks, each taking the next until none is left or the run is stopped. */
async function pool<T>(tasks: T[], n: number, work: (t: T) => Promise<void>, stopped: () => boolean): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length && !stopped()) await work(tasks[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, tasks.length)) }, lane));
}

export async function buildPairs(o: BuildOptions): Promise<BuildSummary> {
  const { questions, problems } = readQuestions(fs.readFileSync(o.input, 'utf8'), o.checker);
  if (problems.length) throw new BadQuestions(problems);
  const cacheFile = cachePath(o.out);
  const cached = readCache(cacheFile, o.model);
  const todo = questions.flatMap((q) => Array.from({ length: o.samples }, (_, s) => ({ q, s }))).filter((t) => !cached.has(cacheKey(t.q.id, t.s)));
  const total = questions.length * o.samples;
  const client = new ModelClient({ baseURL: o.baseURL, apiKey: o.apiKey, model: o.model, timeoutMs: o.timeoutMs, maxTries: o.maxTries, onRetry: (r) => o.onRetry?.(r.reason) });
  const failedBy = new Map<string, number>();
  let failed = 0;
  let done = total - todo.length;
  let fatal: Error | null = null;
  let lastError: string | null = null;
  const cache = openCache(cacheFile);
  o.onProgress?.({ done, total, failed });
  try {
    await pool(
      todo,
      o.concurrency,
      async ({ q, s }) => {
        try {
          const r = await client.chat({ messages: [{ role: 'user', content: q.question }], temperature: o.temperature, max_tokens: o.maxTokens }, o.signal);
          const row: CachedSample = { question_id: q.id, sample: s, model: o.model, content: r.content, finish_reason: r.finishReason };
          cache.append(row);
          cached.set(cacheKey(q.id, s), row);
          done++;
        } catch (e) {
          if (o.signal?.aborted) return;
          if (e instanceof EndpointFailed) fatal = e;
          else if (!(e instanceof RequestFailed)) throw e;
          failed++;
          lastError = e.message;
          failedBy.set(q.id, (failedBy.get(q.id) ?? 0) + 1);
        }
        o.onProgress?.({ done, total, failed });
      },
      () => fatal !== null || o.signal?.aborted === true,
    );
  } finally {
    cache.close();
  }
  if (fatal) throw fatal;
  if (o.signal?.aborted) throw new Interrupted(done, total);
  const counts = writePairs(questions, cached, failedBy, o);
  return { questions: questions.length, counts, requested: todo.length, cached: total - todo.length, failed, lastError, out: o.out, cache: cacheFile };
}

/** Grades every cached sample and writes the pairs in the questions' order (to a temporary file, then renamed). */
function writePairs(questions: Question[], cached: Map<string, CachedSample>, failedBy: Map<string, number>, o: BuildOptions): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { pair: 0, 'all-correct': 0, 'all-wrong': 0, errors: 0 };
  const items: PairItem[] = [];
  for (const q of questions) {
    const graded: Graded[] = [];
    for (let s = 0; s < o.samples; s++) {
      const c = cached.get(cacheKey(q.id, s));
      if (c) graded.push({ sample: s, content: c.content, ...check(o.checker, c.content, q.answer, o.tolerance) });
    }
    const r = makePair(q, graded, failedBy.get(q.id) ?? 0, { model: o.model, checker: o.checker, seed: o.seed, samples: o.samples });
    counts[r.outcome]++;
    if (r.item) items.push(r.item);
  }
  const tmp = `${o.out}.tmp`;
  fs.writeFileSync(tmp, items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : ''));
  fs.renameSync(tmp, o.out);
  return counts;
}
