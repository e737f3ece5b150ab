/**
 * From graded samples to one pairwise item: a correct and an incorrect answer to the same question (JudgeBench, Tan et
 * al. 2024, §3: "a pair of responses, one correct and one incorrect", one pair per question), their positions drawn
 * from a generator seeded by the run's seed and the question's id, so the same seed gives the same file whatever the
 * order the answers arrived in, and a resumed run gives the file an uninterrupted one would have.
 */
import type { CheckerName, Verdict } from '../../shared/checkers';
import type { Question } from './records';
import { mulberry32 } from '../../shared/stats/random';

export interface Graded extends Verdict {
  sample: number;
  content: string;
}

export type Outcome = 'pair' | 'all-correct' | 'all-wrong' | 'errors';

export interface PairItem {
  id: string;
  question: string;
  answer_a: string;
  answer_b: string;
  gold: 'A' | 'B';
  meta: Record<string, unknown>;
}

/** FNV-1a (32-bit) of a text: the seed of one question's generator. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface PairContext {
  model: string;
  checker: CheckerName;
  seed: number;
  samples: number;
}

/** The question's outcome and, when it has one correct and one incorrect answer, its pair. */
export function makePair(q: Question, graded: Graded[], failed: number, ctx: PairContext): { outcome: Outcome; item?: PairItem } {
  const right = graded.filter((g) => g.correct).sort((x, y) => x.sample - y.sample);
  const wrong = graded.filter((g) => !g.correct).sort((x, y) => x.sample - y.sample);
  if (right.length === 0 || wrong.length === 0) {
    // A question with failed requests may still have given a pair on a rerun: it is counted as errors, not as settled.
    if (failed > 0) return { outcome: 'errors' };
    return { outcome: right.length ? 'all-correct' : 'all-wrong' };
  }
  const rng = mulberry32(fnv1a(`${ctx.seed}\u0000${q.id}`));
  const good = right[Math.floor(rng() * right.length)]!;
  const bad = wrong[Math.floor(rng() * wrong.length)]!;
  const goodFirst = rng() < 0.5;
  return {
    outcome: 'pair',
    item: {
      id: q.id,
      question: q.question,
      answer_a: goodFirst ? good.content : bad.content,
      answer_b: goodFirst ? bad.content : good.content,
      gold: goodFirst ? 'A' : 'B',
      meta: {
        ...(q.meta ?? {}),
        category: q.category ?? q.meta?.category ?? null,
        source_question: q.id,
        reference_answer: q.answer,
        model: ctx.model,
        checker: ctx.checker,
        seed: ctx.seed,
        samples: ctx.samples,
        correct_samples: right.length,
        extracted_a: goodFirst ? good.extracted : bad.extracted,
        extracted_b: goodFirst ? bad.extracted : good.extracted,
      },
    },
  };
}
