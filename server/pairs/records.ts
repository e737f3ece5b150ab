/**
 * The pair builder's files: the questions read (one JSON record a line, checked with zod, every bad line named with
 * its field), and the samples cache, appended to as answers arrive so that a rerun asks only for what is missing.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { referenceProblem, type CheckerName } from '../../shared/checkers';

export const QuestionRecord = z.strictObject({
  id: z.union([z.string().trim().min(1).max(200), z.int()]).transform(String),
  question: z.string().trim().min(1, { error: 'cannot be empty' }).max(200_000),
  answer: z.union([z.string().max(10_000), z.number()]),
  category: z.string().max(200).optional().nullable(),
  meta: z.record(z.string(), z.unknown()).optional().nullable(),
});
export type Question = z.infer<typeof QuestionRecord>;

export interface Problem {
  line: number;
  field?: string;
  message: string;
}

/** Every question, or every problem (a file with a bad record builds nothing, as the imports refuse it whole). */
export function readQuestions(text: string, checker: CheckerName): { questions: Question[]; problems: Problem[] } {
  const questions: Question[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return void problems.push({ line, message: 'is not valid JSON' });
    }
    const r = QuestionRecord.safeParse(json);
    if (!r.success) {
      for (const iss of r.error.issues) {
        const field = iss.path.join('.') || (iss.code === 'unrecognized_keys' ? iss.keys.join(', ') : '');
        problems.push({ line, ...(field ? { field } : {}), message: iss.code === 'unrecognized_keys' ? 'is not a field of a question (id, question, answer, category, meta)' : iss.message });
      }
      return;
    }
    const bad = referenceProblem(checker, r.data.answer);
    if (bad) return void problems.push({ line, field: 'answer', message: bad });
    const dup = seen.get(r.data.id);
    if (dup !== undefined) return void problems.push({ line, field: 'id', message: `repeats the id of line ${dup}` });
    seen.set(r.data.id, line);
    questions.push(r.data);
  });
  return { questions, problems };
}

/** One sampled answer as cached: which question, which sample, what the model said (the grade is recomputed). */
export const CachedSample = z.object({
  question_id: z.string(),
  sample: z.int().min(0),
  model: z.string(),
  content: z.string(),
  finish_reason: z.string().nullable(),
});
export type CachedSample = z.infer<typeof CachedSample>;

/**
 * The cached samples of this model, keyed `question_id\u0000sample`. A line cut short by an interrupted run (the
 * last one, written halfway) is skipped: its sample is asked again.
 */
export function readCache(file: string, model: string): Map<string, CachedSample> {
  const out = new Map<string, CachedSample>();
  if (!fs.existsSync(file)) return out;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue;
    }
    const r = CachedSample.safeParse(json);
    if (r.success && r.data.model === model) out.set(cacheKey(r.data.question_id, r.data.sample), r.data);
  }
  return out;
}

export const cacheKey = (questionId: string, sample: number) => `${questionId}\u0000${sample}`;

/** Appends one sample as a whole line; a cache whose last line was cut short gets a newline first. */
export function openCache(file: string): { append(s: CachedSample): void; close(): void } {
  const needsNewline = fs.existsSync(file) && fs.statSync(file).size > 0 && !fs.readFileSync(file, 'utf8').endsWith('\n');
  const fd = fs.openSync(file, 'a');
  if (needsNewline) fs.writeSync(fd, '\n');
  return {
    // Synchronous: a sample is on disk before the next is asked for, so a killed run loses at most the ones in flight.
    append: (s) => void fs.writeSync(fd, `${JSON.stringify(s)}\n`),
    close: () => fs.closeSync(fd),
  };
}
