/**
 * What the simulated annotators of `--routing escalate` answer (issue 13, part 2). Escalation certifies a judge's
 * threshold on its agreement with the humans, so answers cannot be random as in the other modes: each item has a
 * truth drawn from its id, humans give it with a set accuracy, and a judge gives it with probability equal to its
 * certainty (a calibrated judge), its certainty skewed towards sure and in steps of 5 as judges state it (50 + 50·u^(1/3)
 * rounded to 5 on the project's 1–100 scale: 58% at 90 or above). Steps matter: the certification tests the most
 * certain labels first, and a top step of only 30 labels fails on one disagreement with the humans' consensus
 * (Clopper–Pearson bound 0.12 > 0.1), which ends the test with no threshold. Every draw is a hash of the seed, who answers and the item, so a rerun draws the
 * same answers whatever order the server hands the items out in.
 */
import { createHash } from 'node:crypto';

const VERDICTS = ['A', 'B', 'tie'] as const;
type Verdict = (typeof VERDICTS)[number];

const FLIP: Record<Verdict, Verdict> = { A: 'B', B: 'A', tie: 'tie' };

/** A verdict on the item (A = its answer_a) as sent for a task shown in `order`: a task shown BA has them swapped on screen. */
export function asShown(v: Verdict, order: string | undefined): Verdict {
  return order === 'BA' ? FLIP[v] : v;
}

/** A number in [0, 1) fixed by its parts (the first 48 bits of their SHA-1). */
export function unit(...parts: Array<string | number>): number {
  const h = createHash('sha1').update(parts.join('\u0000')).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** The item's true verdict. */
export function truth(seed: number, item: string): Verdict {
  return VERDICTS[Math.floor(unit(seed, 'truth', item) * 3)]!;
}

/** The truth with probability `p`, else one of the two other verdicts (drawn by `u2`). */
function answerWith(t: Verdict, p: number, u: number, u2: number): Verdict {
  if (u < p) return t;
  const others = VERDICTS.filter((v) => v !== t);
  return others[u2 < 0.5 ? 0 : 1]!;
}

/** A human's verdict on an item: the truth with probability `accuracy`. */
export function humanAnswer(seed: number, worker: string, item: string, accuracy: number): Verdict {
  return answerWith(truth(seed, item), accuracy, unit(seed, 'human', worker, item), unit(seed, 'human-wrong', worker, item));
}

/** A human's certainty (the project asks for one under escalation): 60–100, not read by the routing. */
export function humanCertainty(seed: number, worker: string, item: string): number {
  return 60 + Math.round(40 * unit(seed, 'human-certainty', worker, item));
}

/** Judge `k`'s verdict and certainty (1–100) on an item: right with probability certainty/100. */
export function judgeAnswer(seed: number, k: number, item: string): { value: Verdict; certainty: number } {
  const certainty = 5 * Math.round(10 + 10 * Math.cbrt(unit(seed, 'certainty', k, item)));
  const value = answerWith(truth(seed, item), certainty / 100, unit(seed, 'judge', k, item), unit(seed, 'judge-wrong', k, item));
  return { value, certainty };
}
